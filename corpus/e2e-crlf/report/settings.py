SETTINGS = {"currency": "EUR", "ledgers": ["ap", "ar"], "close_day": 5}
