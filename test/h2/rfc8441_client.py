# An RFC 8441 client independent of Node and ws: Python h2 (HTTP/2, extended CONNECT) and wsproto (WebSocket frames).
"""Opens one WebSocket over HTTP/2 with prior knowledge (h2c), sends a text message, a binary message and a ping,
closes with 1000, and prints one JSON object: the answer's status and headers, the server's
SETTINGS_ENABLE_CONNECT_PROTOCOL, each event wsproto parsed, and how the stream ended.

Usage: python3 rfc8441_client.py HOST PORT PATH [--deflate]
Debian packages: python3-h2 (4.1), python3-wsproto (1.2).
"""
import json
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import CloseReason, FrameProtocol, Opcode

TIMEOUT_S = 10


class Session:
    """One h2c connection and its one extended CONNECT stream."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT_S)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.conn.initiate_connection()
        self.flush()
        self.connect_protocol = None

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def events(self):
        """The h2 events of the next read; None once the server closed the connection."""
        data = self.sock.recv(65536)
        if not data:
            return None
        events = self.conn.receive_data(data)
        for event in events:
            if isinstance(event, h2.events.RemoteSettingsChanged):
                setting = event.changed_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
                if setting is not None:
                    self.connect_protocol = setting.new_value
            if isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        self.flush()
        return events

    def wait_settings(self):
        while not any(isinstance(e, h2.events.RemoteSettingsChanged) for e in self.events() or []):
            pass


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    deflate = PerMessageDeflate() if '--deflate' in sys.argv else None
    session = Session(host, port)
    session.wait_settings()
    headers = [
        (':method', 'CONNECT'), (':protocol', 'websocket'), (':scheme', 'http'),
        (':path', path), (':authority', f'{host}:{port}'), ('sec-websocket-version', '13'),
    ]
    if deflate:
        headers.append(('sec-websocket-extensions', f'{deflate.name}; {deflate.offer()}'))
    stream_id = session.conn.get_next_available_stream_id()
    session.conn.send_headers(stream_id, headers)
    session.flush()
    result = {'connectProtocol': session.connect_protocol, 'events': [], 'firstFrameByte': None}
    ws = None
    ended = False
    while not ended:
        events = session.events()
        if events is None:
            result['connectionClosed'] = True
            break
        for event in events:
            if isinstance(event, h2.events.ResponseReceived):
                answer = {k.decode(): v.decode() for k, v in event.headers}
                result['status'] = int(answer[':status'])
                result['extensions'] = answer.get('sec-websocket-extensions')
                extensions = []
                if deflate and result['extensions']:
                    deflate.finalize(result['extensions'])
                    extensions = [deflate]
                if result['status'] == 200:
                    ws = FrameProtocol(client=True, extensions=extensions)
                    out = ws.send_data('hello from python', True) + ws.send_data(b'\x00\x01\xfe\xff', True)
                    out += ws.ping(b'p')
                    session.conn.send_data(stream_id, out)
                    session.flush()
            elif isinstance(event, h2.events.DataReceived) and ws is None:
                result['body'] = result.get('body', '') + event.data.decode('utf-8', 'replace')
            elif isinstance(event, h2.events.DataReceived):
                if result['firstFrameByte'] is None:
                    result['firstFrameByte'] = event.data[0]
                ws.receive_bytes(event.data)
                for frame in ws.received_frames():
                    record(result, frame)
                    if frame.opcode is Opcode.PONG:
                        session.conn.send_data(stream_id, ws.close(1000, 'bye'))
                        session.flush()
                    if frame.opcode is Opcode.CLOSE:
                        session.conn.end_stream(stream_id)
                        session.flush()
            elif isinstance(event, h2.events.StreamEnded):
                result['endStream'] = True
                ended = True
            elif isinstance(event, h2.events.StreamReset):
                result['rstCode'] = int(event.error_code)
                ended = True
    session.conn.close_connection()
    session.flush()
    session.sock.close()
    print(json.dumps(result))


def record(result, frame):
    """One frame wsproto parsed, as JSON."""
    if frame.opcode is Opcode.TEXT:
        result['events'].append({'type': 'text', 'data': frame.payload})
    elif frame.opcode is Opcode.BINARY:
        result['events'].append({'type': 'binary', 'hex': bytes(frame.payload).hex()})
    elif frame.opcode is Opcode.PONG:
        result['events'].append({'type': 'pong', 'data': bytes(frame.payload).decode()})
    elif frame.opcode is Opcode.CLOSE:
        code, reason = frame.payload
        result['events'].append({'type': 'close', 'code': int(code), 'reason': reason})


if __name__ == '__main__':
    main()
