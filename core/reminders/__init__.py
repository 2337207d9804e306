"""Overdue reminders: the schedule (stages), the decision per invoice (plan) and the loop that queues them."""
