# The complete program of Composio's guide "How to integrate Gong MCP with OpenAI Agents SDK"
# (https://composio.dev/toolkits/gong/framework/open-ai-agents-sdk), kept as the guide gives it.
# gongq's tests run it unmodified against the sandbox with only OPENAI_BASE_URL,
# COMPOSIO_BASE_URL and placeholder keys set in the environment.
import asyncio
import os
from dotenv import load_dotenv
from composio import Composio
from composio_openai_agents import OpenAIAgentsProvider
from agents import Agent, Runner, HostedMCPTool, SQLiteSession

load_dotenv()

api_key = os.getenv("COMPOSIO_API_KEY")
user_id = os.getenv("USER_ID")

if not api_key:
    raise RuntimeError("COMPOSIO_API_KEY is not set. Create a .env file with COMPOSIO_API_KEY=your_key")

# Initialize Composio
composio = Composio(api_key=api_key, provider=OpenAIAgentsProvider())

# Create Tool Router session for Gong
session = composio.create(
    user_id=user_id,
    toolkits=["gong"],
)
composio_mcp_url = session.mcp.url
print(f"Composio MCP URL: {composio_mcp_url}")

# Configure agent with Composio MCP tool
agent = Agent(
    name="Gong Assistant",
    model="gpt-5",
    instructions="You are a helpful assistant that can access Gong. Help users perform Gong operations through natural language.",
    tools=[
        HostedMCPTool(
            tool_config={
                "type": "mcp",
                "server_label": "tool_router",
                "server_url": composio_mcp_url,
                "headers": {"x-api-key": api_key},
                "require_approval": "never",
            }
        )
    ],
)

print("\nComposio Tool Router session created.")

chat_session = SQLiteSession("conversation_openai_toolrouter")

print("\nChat started. Type your requests below.")
print("Commands: 'exit', 'quit', or 'q' to end\n")


async def main():
    try:
        result = await Runner.run(
            agent,
            "What can you help me with?",
            session=chat_session
        )
        print(f"Agent: {result.final_output}\n")
    except Exception as e:
        print(f"Error: {e}\n")

    while True:
        user_input = input("You: ").strip()

        if user_input.lower() in ["exit", "quit", "q"]:
            print("Goodbye!")
            break

        result = await Runner.run(
            agent,
            user_input,
            session=chat_session
        )
        print(f"Agent: {result.final_output}\n")


asyncio.run(main())
