"""`codeloop serve` started for a script (the soak, the load run, the API checks): the process, the
port it bound, and its log; and the tiny model such runs serve. Standard library only."""
import collections
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading

from repo_paths import ROOT

TINY_MODEL = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "starcoder2-tiny")
# A ChatML template, so that the tiny model (which has none) serves /v1/chat/completions too.
CHATML = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

# Prompts the load and soak runs send.
CODE_PROMPTS = ["def add(a, b):\n", "import os\n\ndef list_files(path):\n", "class Stack:\n    def __init__(self):\n",
                "def is_prime(n):\n    \"\"\"Return True if n is prime.\"\"\"\n"]


@contextlib.contextmanager
def tiny_chat_model():
    """A scratch copy of starcoder2-tiny (FIM tokens, a 64-token context) with a chat template."""
    directory = tempfile.mkdtemp(prefix="codeloop-tiny-")
    try:
        for name in os.listdir(TINY_MODEL):
            shutil.copy(os.path.join(TINY_MODEL, name), directory)
        with open(os.path.join(directory, "chat_template.jinja"), "w") as f:
            f.write(CHATML)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class Served:
    """`codeloop serve ... --port 0`, once it has printed the port it bound; its later stderr (the
    request log) is kept, the last `keep` lines, in `log`."""

    def __init__(self, binary, arguments, keep=10000):
        self.process = subprocess.Popen([binary, "serve", "--port", "0"] + arguments, stderr=subprocess.PIPE, text=True)
        self.log = collections.deque(maxlen=keep)
        self.port = None
        for line in self.process.stderr:
            self.log.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                break
        if self.port is None:
            raise SystemExit("codeloop serve did not start:\n" + "".join(self.log))
        threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout=60):
        """SIGTERM, and the exit code."""
        self.process.terminate()
        return self.process.wait(timeout=timeout)
