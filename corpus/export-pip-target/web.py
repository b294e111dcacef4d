from flask import Flask, jsonify

from flags import FLAGS

app = Flask(__name__)


@app.get("/flags")
def flags():
    return jsonify(FLAGS)
