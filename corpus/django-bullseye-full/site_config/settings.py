SECRET_KEY = "corpus-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
