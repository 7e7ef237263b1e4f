"""JupyterHub configuration of the course hub (deploy/start.sh starts it; docs/INSTRUCTORS.md, "The course hub").

People and paths come from what deploy/provision.py wrote (people.json). Each setting says what changes on a
production hub.
"""
import json
import os

c = get_config()  # noqa: F821 -- injected by traitlets

state = os.environ.get("COURSE_HUB_STATE", "/opt/normres-hub/hub")
with open(os.path.join(state, "people.json")) as f:
    people = json.load(f)
image_bin = os.path.join(people["image"], "bin")

# Loopback only. Production: the hub's public address behind TLS (c.JupyterHub.ssl_cert/ssl_key or a proxy).
port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
c.JupyterHub.bind_url = f"http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{port + 1}"              # the hub's API, for the servers
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"        # the proxy's API, for the hub
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [people["proxy"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")

# Unix accounts and passwords (PAM). Production: the university's login (e.g. oauthenticator's GenericOAuthenticator
# or ltiauthenticator from the LMS); the names must stay the ones in the gradebook.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(people["students"]) | {people["instructor"]}
c.Authenticator.admin_users = {people["instructor"]}

# One JupyterLab per person, as their own Unix user, from the course image (students' and instructor's alike;
# the instructor's extra extensions are enabled in their own ~/.jupyter). Production: SystemdSpawner or
# KubeSpawner with the same image, a memory and CPU limit per person, and the exchange on shared storage.
c.Spawner.cmd = [os.path.join(image_bin, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"PATH": f"{image_bin}:/usr/local/sbin:/usr/local/bin:/usr/bin:/bin",
                         "SHELL": "/bin/bash"}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
