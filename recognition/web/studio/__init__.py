"""The tracker studio: pages for marketing editors to set up trackers, watch their fieldwork, preview their
questionnaire as respondents see it and review the mentions the coder could not place."""
