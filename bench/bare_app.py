"""The baselines, served like the real app (bench/registration.py): a bare endpoint with a small
response, and the smallest Flask-WTF form round trip (GET a form with its CSRF token, POST it, 303)
with no database and no page layout: the floor under any registration form."""

from flask import Flask, redirect, render_template_string
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import StringField

app = Flask(__name__)
app.config["SECRET_KEY"] = "bench-only-not-a-secret"  # noqa: S105 - a throw-away benchmark app
CSRFProtect(app)


class NameForm(FlaskForm):
    name = StringField("Namn")


@app.get("/")
def bare() -> str:
    return "ok"


@app.route("/form", methods=["GET", "POST"])
def form():
    name_form = NameForm()
    if name_form.validate_on_submit():
        return redirect("/form/thanks", code=303)
    return render_template_string(
        '<form method="post">{{ form.csrf_token }}{{ form.name.label }} {{ form.name }}</form>', form=name_form
    )
