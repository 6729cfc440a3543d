"""Admin screens for accounts and event roles. (Stub.)"""

from flask import Blueprint

bp = Blueprint("users_admin", __name__, url_prefix="/admin")
