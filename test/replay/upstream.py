# An upstream ws-echo did not write (Python websockets): a conversation with ids, timers and binary frames.
import asyncio
import json
import sys

import websockets


async def conversation(ws, path=None):
    hello = json.loads(await ws.recv())
    trace = ws.request_headers.get("X-Trace")  # passed on by the recorder
    await ws.send(json.dumps({"op": "welcome", "id": hello["id"], "session": "s-42", "trace": trace}))
    await asyncio.sleep(0.03)
    await ws.send(bytes([0, 1, 255]))
    await asyncio.sleep(0.05)
    await ws.send(json.dumps({"op": "tick", "n": 1}))
    data = await ws.recv()
    await ws.send(json.dumps({"op": "ack", "bytes": len(data), "binary": isinstance(data, bytes)}))
    await asyncio.sleep(0.02)
    await ws.close(4001, "conversation over")


async def main():
    async with websockets.serve(conversation, "127.0.0.1", 0, subprotocols=["v2.chat"]) as server:
        print("listening on", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
