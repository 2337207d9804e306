"""The only code that reads or writes the user's data folder."""
