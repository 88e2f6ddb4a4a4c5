# An upstream ws-echo did not write (Python websockets): a conversation with ids, timers and binary frames.
# Arguments: [--script conversation|pings] [--cert CERT --key KEY [--client-ca CA]] (wss://; CA: client certificates
# required and checked against it).
import argparse
import asyncio
import json
import ssl
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


async def pings(ws, path=None):
    # The client's pings are answered by websockets itself (the pong carries the ping's payload).
    await ws.recv()  # "ping me"
    pong = await ws.ping(b"from-upstream")
    await asyncio.wait_for(pong, 5)
    await ws.send("your pong came")
    await ws.recv()  # "bye"
    await ws.close(1000, "done")


SCRIPTS = {"conversation": conversation, "pings": pings}


def tls_context(args):
    if args.cert is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(args.client_ca)
    return context


async def main(args):
    context = tls_context(args)
    handler = SCRIPTS[args.script]
    async with websockets.serve(
        handler, "127.0.0.1", 0, subprotocols=["v2.chat"], ssl=context, ping_interval=None
    ) as server:
        print("listening on", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--script", default="conversation", choices=sorted(SCRIPTS))
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    try:
        asyncio.run(main(parser.parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)
