"""A client of the device agent (docs/agent.md), as Azure IoT Edge's ModuleClient is of its
runtime: hand it a deployment, read what its modules are doing.

    client = outpost.agent.Client("/etc/outpost/agent.json")
    client.deploy("lobby-v7.signed.json")          # a manifest signed by `outpost manifest sign`
    status = client.wait_for_deployment("lobby", 7, timeout=120)
    for module in status["modules"]:
        print(module["name"], module["process"], module["health"])

It works through the files the agent itself reads and writes (its manifest directory and
``STATE_DIR/status.json``), on the device, whether or not the agent is running at that moment:
the agent checks a manifest's signature, expiry and version itself, and its verdict is in the
status (``last_error``). It needs read access to the agent's state directory and write access
to its manifest directory.
"""

import base64
import json
import os
import time

from .errors import Error, IoError, UsageError

__all__ = ["Client", "DeploymentFailed"]


class DeploymentFailed(Error):
    """The agent refused a deployment, or it failed and was rolled back (the agent's message)."""


class Client:
    """The agent whose configuration file is ``config`` (its agent.json)."""

    def __init__(self, config="/etc/outpost/agent.json"):
        self.config_path = os.fspath(config)
        try:
            with open(self.config_path, encoding="utf-8") as f:
                settings = json.load(f)
        except FileNotFoundError:
            raise IoError(f"cannot open '{self.config_path}': no agent configuration there") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"'{self.config_path}' is not JSON: {e}") from None
        base = os.path.dirname(os.path.abspath(self.config_path))
        for key in ("state_dir", "manifest_dir"):
            if not isinstance(settings.get(key), str):
                raise UsageError(f"{self.config_path}: {key}: expected a path (docs/agent.md)")
        # Relative paths are the configuration file's directory's, as the agent takes them.
        self.state_dir = os.path.join(base, settings["state_dir"])
        self.manifest_dir = os.path.join(base, settings["manifest_dir"])

    def deploy(self, manifest, name=None):
        """Puts a signed manifest (a file's path, or its text) in the agent's manifest
        directory, whole (written beside, then renamed), as ``NAME.json`` (by default the
        file's own name, or the deployment id and version). Returns the path written."""
        if isinstance(manifest, (str, os.PathLike)) and os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as f:
                text = f.read()
            name = name or os.path.basename(os.fspath(manifest))
        elif isinstance(manifest, str) and manifest.lstrip().startswith("{"):
            text = manifest
        else:
            raise IoError(f"cannot open '{manifest}': give a signed manifest's path or its text")
        if name is None:
            name = self._name_of(text)
        if not name.endswith(".json"):
            name += ".json"
        if "/" in name or name.startswith("."):
            raise UsageError(f"'{name}': a manifest's file name has no '/' and does not start with '.'")
        target = os.path.join(self.manifest_dir, name)
        temporary = os.path.join(self.manifest_dir, f".{name}.tmp")  # the agent skips dot files
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
        return target

    @staticmethod
    def _name_of(text):
        # The signed envelope holds the manifest's bytes in base64 (docs/manifest.md, "Signing").
        try:
            body = json.loads(base64.b64decode(json.loads(text)["signed"]))
            return f"{body['deployment_id']}-{body['version']}"
        except (ValueError, KeyError, TypeError):
            raise UsageError("the manifest has no deployment_id and version to name its file by; "
                             "give name=") from None

    def status(self):
        """The agent's reported state (what ``outpost status --json`` shows of it): ``agent``,
        ``desired``, ``current``, ``last_good``, ``modules`` (each with ``process``, ``health``,
        ``restarts``, ``endpoint``, ``bundles``), ``last_error``, ``rollbacks``."""
        path = os.path.join(self.state_dir, "status.json")
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            raise IoError(f"cannot open '{path}': the agent has not reported yet (is it running "
                          "with this configuration?)") from None

    def modules(self):
        """The modules of what runs, by name."""
        return {m["name"]: m for m in self.status().get("modules", [])}

    def wait_for_deployment(self, deployment_id, version, timeout=60.0, poll_s=0.2):
        """Waits until the agent runs ``deployment_id`` at ``version`` with every module healthy,
        and returns its status. Raises DeploymentFailed as soon as the agent reports that it
        refused or rolled back that version (its message: a bad hash, a failed validation or
        health gate), TimeoutError when neither happened in time."""
        deadline = time.monotonic() + timeout
        status = {}
        while time.monotonic() < deadline:
            try:
                status = self.status()
            except IoError:
                status = {}
            current = status.get("current") or {}
            modules = status.get("modules", [])
            if (current.get("deployment_id") == deployment_id and current.get("version") == version
                    and modules and all(m.get("health") == "healthy" for m in modules)):
                return status
            error = status.get("last_error") or ""
            if f"'{deployment_id}' version {version} " in error and status.get("agent") == "idle":
                raise DeploymentFailed(error)
            time.sleep(poll_s)
        raise TimeoutError(f"the agent does not run '{deployment_id}' version {version} healthy after "
                           f"{timeout:g} s; it runs {status.get('current')}, last error: "
                           f"{status.get('last_error') or 'none'}")
