TEXT = "hi"
