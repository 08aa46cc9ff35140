"""The annual follow-up of a label: yearly documents, the eliminatory criteria confirmed, the
reminders and the flag, the secretariat's queue, the random verification sample."""
