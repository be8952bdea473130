# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The commands the docs give, read from their ```bash blocks
(``docs/usage.md`` whole, README.md's Usage section), and a way to run them
as written, from a folder laid out as a clone."""
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from typing import Dict, List

from helpers import ROOT, tool_env

#: the doc that gives every tool's and launcher's command lines
USAGE = 'docs/usage.md'


def doc_text(doc: str = USAGE) -> str:
    """``doc`` (relative to the root): the whole file, or for README.md its
    Usage section."""
    with open(osp.join(ROOT, doc), encoding='utf-8') as f:
        text = f.read()
    if osp.normpath(doc) == 'README.md':
        start = text.index('\n## Usage')
        end = text.find('\n## ', start + 1)
        text = text[start:end if end >= 0 else len(text)]
    return text


def bash_lines(text: str) -> List[str]:
    """The command lines of the ```bash blocks of ``text``, each with its
    continuation lines (``\\`` at the end) joined."""
    lines = []
    for block in re.findall(r'```bash\n(.*?)```', text, re.S):
        lines += block.replace('\\\n', ' ').splitlines()
    return lines


def command_words(line: str) -> List[str]:
    """The words of a command line without its comment, its ``VAR=value``
    assignments and a leading ``python`` / ``python3``."""
    words = [w for w in shlex.split(line, comments=True)
             if not re.fullmatch(r'[A-Z_]+=.*', w)]
    if words and words[0] in ('python', 'python3'):
        words = words[1:]
    return words


def doc_commands(program: str, doc: str = USAGE) -> List[str]:
    """The command lines in the ```bash blocks of ``doc`` (see
    :func:`doc_text`) that run ``program`` (``mim``,
    ``tools/slurm_train.sh``, or the script ``python`` runs), after any
    ``VAR=value`` assignments."""
    found = []
    for line in bash_lines(doc_text(doc)):
        words = command_words(line)
        if words and words[0] == program:
            found.append(line)
    return found


def doc_workspace(path: str) -> str:
    """A folder to run the docs' commands in, as from a clone (they name
    ``tools/``, ``configs/``, ``demo/``), where what they write stays."""
    os.makedirs(path, exist_ok=True)
    for name in ('tools', 'configs', 'demo'):
        os.symlink(osp.join(ROOT, name), osp.join(path, name))
    return path


def run_doc_command(line: str, cwd: str, words: Dict[str, str],
                    timeout: float = 600, **env: str) -> str:
    """Run a docs' command line in bash, each of its placeholder ``words``
    (``CONFIG``, ``CHECKPOINT``, ...) replaced, with this Python's
    ``python`` and ``mim`` first on PATH and ``env`` added; its output,
    once it has succeeded."""
    for word, value in words.items():
        line = re.sub(rf'\b{word}\b', lambda _: shlex.quote(value), line)
    env = tool_env(**env)
    env['PATH'] = os.pathsep.join((osp.dirname(sys.executable), env['PATH']))
    proc = subprocess.run(['bash', '-c', line], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{line}\n{output[-4000:]}'
    return output
