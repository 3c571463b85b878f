"""Puts the notebook extras (installed at pod start into DATAVIS_PYTHON_EXTRAS) at the END of sys.path.

Python imports `sitecustomize` from sys.path at start-up (the `site` module, once PYTHONPATH is on the path,
in a virtualenv too and with the user site disabled, unlike `usercustomize`); PYTHONPATH names this file's
folder. Jupyter Docker Stacks' images ship no sitecustomize of their own that this one would hide. Appending rather than prepending (which is what PYTHONPATH or the
user site would do) means the image's own packages always win: the extras only add what the image lacks
(papermill, psycopg, boto3, kubernetes), and never shadow the Jupyter server's tornado, pyzmq or traitlets.
`site.addsitedir` also reads the folder's .pth files, as for any site-packages.
"""

import os
import site

_extras = os.environ.get("DATAVIS_PYTHON_EXTRAS", "/opt/datavis/extras")
if os.path.isdir(_extras):
    site.addsitedir(_extras)
