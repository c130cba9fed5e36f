"""The poll (tracker) as a domain object: its definition, its checks, its questionnaire and its plan."""
