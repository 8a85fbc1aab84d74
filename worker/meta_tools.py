"""The Tool Router's meta tools by name, and which of them each kind of agent may see.

Composio's Tool Router session offers six meta tools (ComposioHQ/composio
docs/public/data/meta-tools.json). gongq offers an agent only what its work needs: a typed task
runs one planned call, so it sees multi-execute alone; a free-form ``ask`` also searches tools
and reads their schemas. Connections are managed by ``gongq connect`` (a person), never by a
model; the remote workbench and bash tools run code and stay hidden (and are off in the session).
"""

from __future__ import annotations

SEARCH_TOOLS = "COMPOSIO_SEARCH_TOOLS"
GET_TOOL_SCHEMAS = "COMPOSIO_GET_TOOL_SCHEMAS"
MULTI_EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"
MANAGE_CONNECTIONS = "COMPOSIO_MANAGE_CONNECTIONS"
REMOTE_WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
REMOTE_BASH = "COMPOSIO_REMOTE_BASH_TOOL"

#: Meta tools that only describe tools (read tool metadata): approved without review.
DESCRIBING_TOOLS = (SEARCH_TOOLS, GET_TOOL_SCHEMAS)

#: What a typed task's agent is offered.
TYPED_TASK_TOOLS = (MULTI_EXECUTE,)
#: What a free-form (``ask``) agent is offered.
FREE_FORM_TOOLS = (SEARCH_TOOLS, GET_TOOL_SCHEMAS, MULTI_EXECUTE)
