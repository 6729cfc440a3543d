"""gunicorn settings for Forum in production: `gunicorn -c deploy/gunicorn.conf.py` from the checkout.

The values a site may need to change come from the environment (FORUM_BIND, FORUM_WORKERS,
FORUM_THREADS, FORUM_TIMEOUT, FORUM_PROXY_COUNT, FORUM_FORWARDED_ALLOW_IPS, FORUM_ACCESS_LOG, …; the
systemd unit reads /etc/forum/forum.env), so the file itself stays as it is in git.

The access log holds no personal data: no query strings (list searches carry names in ?q=), the
secret part of link paths (/r/<token>, /i/…, /s/…, /c/…, password reset) replaced by "…", and the
visitor's address shortened to its network (IPv4 /24, IPv6 /48).
"""

from __future__ import annotations

import ipaddress
import os
import re

from gunicorn.glogging import Logger

wsgi_app = "app:app"
bind = os.environ.get("FORUM_BIND", "127.0.0.1:8000")

# gthread: a few processes with threads each. Requests mostly wait on the database, and a process
# per CPU core (at most 8) keeps memory bounded; each process holds its own database pool.
workers = int(os.environ.get("FORUM_WORKERS") or min(2 * (os.cpu_count() or 1), 8))
worker_class = "gthread"
threads = int(os.environ.get("FORUM_THREADS") or 4)

# A request that takes longer than this (a large PDF of badges is the slowest) gets its worker
# restarted; graceful_timeout lets requests in flight finish on restart and on SIGTERM.
timeout = int(os.environ.get("FORUM_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Restart each worker now and then (jittered so they do not all restart together).
max_requests = 2000
max_requests_jitter = 200

# gunicorn 25+ opens a control socket in the user's home (~/.gunicorn/); the units give the service
# no home, and systemctl reload covers what it offers. (Older gunicorn ignores this name.)
control_socket_disable = True

# Behind a proxy (nginx, Caddy, a load balancer): FORUM_PROXY_COUNT is how many proxies set
# X-Forwarded-For/-Proto, and the app trusts that many (forum/config.py, werkzeug's ProxyFix).
# gunicorn itself trusts X-Forwarded-Proto only from FORUM_FORWARDED_ALLOW_IPS (the proxies'
# addresses, default this machine), and from nobody without a proxy.
proxy_count = int(os.environ.get("FORUM_PROXY_COUNT") or 0)
forwarded_allow_ips = os.environ.get("FORUM_FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if proxy_count > 0 else ""

# Logs go to stdout/stderr (the journal under systemd). No referrer, no user agent, no query string.
accesslog = os.environ.get("FORUM_ACCESS_LOG", "-")
errorlog = os.environ.get("FORUM_ERROR_LOG", "-")
loglevel = os.environ.get("FORUM_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'

# Link paths whose next segment is a secret token (a test checks every route with a token is here).
TOKEN_PATH = re.compile(r"^(/(?:r|i|s|c)/|/admin/password/reset/)[^/]+")


def private_path(path: str) -> str:
    return TOKEN_PATH.sub(r"\1…", path or "")


def private_address(address: str) -> str:
    """The network a visitor is in, not the visitor: 192.0.2.17 → 192.0.2.0/24."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "-"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class PrivateAccessLogger(Logger):
    """gunicorn's logger with the personal parts of each access log line left out."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = private_address(atoms.get("h", "-"))
        atoms["U"] = private_path(atoms.get("U", ""))
        atoms["r"] = f"{atoms.get('m')} {atoms['U']} {atoms.get('H')}"
        for key in ("q", "f", "a", "u"):
            atoms[key] = "-"
        # Headers and environment (%({name}i)s, %({name}e)s) could carry cookies and tokens.
        return {key: value for key, value in atoms.items() if not key.startswith("{")}


logger_class = PrivateAccessLogger
