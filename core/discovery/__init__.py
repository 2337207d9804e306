"""Finding the outgoing-mail settings for an email address: `finder.discover` yields one event per source as it is
asked and answers, then one Discovery. Import from the submodules."""
