"""sqlparse's lexer, imported without the package's __init__, and the package whole for whoever asks later."""

from __future__ import annotations

import subprocess
import sys


def test_the_lexer_alone_then_the_whole_package_for_a_later_import() -> None:
    probe = (
        "import sys\n"
        "from bundler.frontends.sql.text import statements\n"
        "print([t.text for t in statements('INSERT INTO schema_versions VALUES (?, 28)')[0]])\n"
        "print('sqlparse.cli' in sys.modules, 'argparse' in sys.modules)\n"
        "import sqlparse\n"
        "print(sqlparse.format('select 1 from x', reindent=True).splitlines(), sqlparse.__version__ != '')\n"
        "import sqlparse.lexer\n"
        "print(sqlparse.lexer.tokenize is sys.modules['bundler.frontends.sql.text'].tokenize, sqlparse.__doc__)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == [
        "['INSERT', 'INTO', 'schema_versions', 'VALUES', '(', '?', ',', '28', ')']",
        "False False",
        "['select 1', 'from x'] True",
        "True Parse SQL statements.",
    ]
