// The console page's script: builds the URL, connects, sends, closes, and logs every event.
// Plain browser JavaScript in a string (inline, allowed by its hash in the page's CSP).
// Received data only ever reaches the page through textContent and element values.

/** The script, as the page inlines it (no backticks or `${` inside: it is a raw template). */
export const PAGE_SCRIPT = String.raw`
'use strict';
(function () {
  var LOG_LIMIT = 500, PREVIEW_CHARS = 500, PREVIEW_BYTES = 64;
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body.dataset;
  var params = Array.prototype.slice.call(document.querySelectorAll('[data-param]'));
  var ws = null, sentAt = [], encoder = new TextEncoder();

  function baseUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + (body.path || location.pathname);
  }
  function bytesOf(text) { return encoder.encode(text).length; }
  function hexOf(bytes) {
    var shown = Array.prototype.slice.call(bytes, 0, PREVIEW_BYTES).map(function (b) { return (b < 16 ? '0' : '') + b.toString(16); });
    return '<' + shown.join(' ') + (bytes.length > PREVIEW_BYTES ? ' …' : '') + '>';
  }
  function quoted(text) {
    return JSON.stringify(text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text) + (text.length > PREVIEW_CHARS ? '…' : '');
  }
  function size(n) { return n + ' B'; }

  function log(kind, text) {
    var list = $('log'), atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    var item = document.createElement('li'), time = document.createElement('time'), label = document.createElement('b'), detail = document.createElement('span');
    var now = new Date();
    item.className = 'entry ' + kind;
    time.textContent = now.toTimeString().slice(0, 8) + '.' + String(now.getMilliseconds()).padStart(3, '0');
    label.textContent = kind;
    detail.textContent = text;
    item.append(time, ' ', label, ' ', detail);
    list.append(item);
    while (list.children.length > LOG_LIMIT) list.firstElementChild.remove();
    $('log-count').textContent = list.children.length + ' of at most ' + LOG_LIMIT + ' entries';
    if (atEnd) list.scrollTop = list.scrollHeight;
  }

  // A parameter's value, or an error that names it and the valid values.
  function check(el) {
    var d = el.dataset, name = d.param, kind = d.kind, value = kind === 'flag' ? el.checked : el.value.trim();
    var bounds = (d.min || '0') + '–' + (d.max === String(Number.MAX_SAFE_INTEGER) ? 'any' : d.max) + (d.unit ? ' ' + d.unit : '');
    var inRanges = function (n) {
      return !d.ranges || d.ranges.split(',').some(function (r) { var lohi = r.split('-'); return n >= Number(lohi[0]) && n <= Number(lohi[1]); });
    };
    var whole = function (t) { return /^\d+$/.test(t) && Number(t) >= Number(d.min) && Number(t) <= Number(d.max) && inRanges(Number(t)); };
    if (kind === 'flag') return { value: value ? '1' : '' };
    if (value === '') return { value: '' };
    if (kind === 'integer' && !whole(value)) {
      return { error: name + ' must be a whole number in ' + (d.ranges ? d.ranges.split(',').join(', ') : bounds) + '; got ' + JSON.stringify(value) };
    }
    if (kind === 'number' && !(/^\d+(\.\d+)?$/.test(value) && Number(value) >= Number(d.min) && Number(value) <= Number(d.max))) {
      return { error: name + ' must be a number in ' + bounds + '; got ' + JSON.stringify(value) };
    }
    if (kind === 'text' && d.maxBytes && new TextEncoder().encode(value).length > Number(d.maxBytes)) {
      return { error: name + ' must be at most ' + d.maxBytes + ' bytes of UTF-8' };
    }
    if (kind === 'integer-range') {
      var parts = value.split('-');
      if (parts.length > 2 || !parts.every(whole) || (parts.length === 2 && Number(parts[0]) > Number(parts[1]))) {
        return { error: name + ' must be n or min-max (min ≤ max), each a whole number in ' + bounds + '; got ' + JSON.stringify(value) };
      }
    }
    return { value: value };
  }
  function protocols() {
    return $('subprotocols').value.split(',').map(function (p) { return p.trim(); }).filter(Boolean);
  }
  // The URL from the form, and the first error (with its field), if any.
  function build() {
    var query = new URLSearchParams(), problem = null;
    params.forEach(function (el) {
      var result = check(el);
      el.setAttribute('aria-invalid', result.error ? 'true' : 'false');
      if (result.error && !problem) problem = { el: el, text: result.error };
      else if (result.value) query.append(el.dataset.param, result.value);
    });
    var text = query.toString();
    return { url: baseUrl() + (text ? '?' + text : ''), problem: problem };
  }
  function showUrl() {
    var built = build();
    $('url').value = built.url;
    $('connect-error').textContent = built.problem ? built.problem.text : '';
    return built;
  }

  function setState(state) {
    var open = state === 'open', idle = state === 'closed';
    $('state').textContent = { connecting: 'Connecting…', open: 'Connected', closing: 'Closing…', closed: 'Not connected' }[state];
    $('state').dataset.state = state;
    $('connect').disabled = !idle;
    $('send').disabled = !open;
    $('close').disabled = !open;
  }

  function connect() {
    var built = showUrl();
    if (built.problem) { built.problem.el.focus(); return; }
    var list = protocols();
    try {
      ws = list.length ? new WebSocket(built.url, list) : new WebSocket(built.url);
    } catch (error) {
      $('connect-error').textContent = 'Cannot connect: ' + error.message;
      $('subprotocols').focus();
      return;
    }
    ws.binaryType = 'arraybuffer';
    sentAt = [];
    $('ended').textContent = '';
    delete $('ended').dataset.code;
    setState('connecting');
    log('connecting', built.url + (list.length ? ' protocols ' + list.join(', ') : ''));
    var socket = ws;
    socket.onopen = function () {
      setState('open');
      log('open', socket.protocol ? 'subprotocol ' + JSON.stringify(socket.protocol) : 'no subprotocol');
      $('message').focus();
    };
    socket.onmessage = function (event) {
      var binary = event.data instanceof ArrayBuffer, sent = sentAt.shift();
      var bytes = binary ? new Uint8Array(event.data) : null;
      var rtt = sent === undefined ? 'not an answer to a message sent here' : (performance.now() - sent).toFixed(1) + ' ms';
      log(sent === undefined ? 'message' : 'echo', (binary ? 'binary ' + size(bytes.length) + ' ' + hexOf(bytes) : 'text ' + size(bytesOf(event.data)) + ' ' + quoted(event.data)) + ' · ' + rtt);
    };
    socket.onerror = function () { log('error', 'the browser reports an error (it gives no details; the close below says more)'); };
    socket.onclose = function (event) {
      var text = 'code ' + event.code + (event.reason ? ' reason ' + JSON.stringify(event.reason) : ' no reason') + ', ' + (event.wasClean ? 'clean' : 'not clean');
      $('ended').textContent = 'Ended: ' + text;
      $('ended').dataset.code = String(event.code);
      $('ended').dataset.clean = String(event.wasClean);
      log('closed', text);
      if (ws === socket) {
        ws = null;
        setState('closed');
        // A keyboard user whose focused button just turned disabled lands on Connect, not the page top.
        var active = document.activeElement;
        if (!active || active === document.body || active.disabled) $('connect').focus();
      }
    };
  }

  // Hex as typed ("01 ff", "01ff", "0x01 0xff") to bytes, or an error saying what is wrong.
  function parseHex(text) {
    var digits = text.replace(/0x/gi, '').replace(/[\s,:]+/g, '');
    var bad = digits.search(/[^0-9a-fA-F]/);
    if (bad !== -1) return { error: 'Not hex: ' + JSON.stringify(digits.charAt(bad)) + '. Type bytes as hex pairs, like 01 ff 7a.' };
    if (digits.length % 2) return { error: 'Odd number of hex digits (' + digits.length + '): each byte takes two, like 0f.' };
    var bytes = new Uint8Array(digits.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.substr(i * 2, 2), 16);
    return { bytes: bytes };
  }

  function send() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    var text = $('message').value, binary = $('as-binary').checked;
    $('send-error').textContent = '';
    if (binary) {
      var parsed = parseHex(text);
      if (parsed.error) { $('send-error').textContent = parsed.error; $('message').setAttribute('aria-invalid', 'true'); $('message').focus(); return; }
      ws.send(parsed.bytes);
      log('sent', 'binary ' + size(parsed.bytes.length) + ' ' + hexOf(parsed.bytes));
    } else {
      ws.send(text);
      log('sent', 'text ' + size(bytesOf(text)) + ' ' + quoted(text));
    }
    $('message').setAttribute('aria-invalid', 'false');
    sentAt.push(performance.now());
  }

  function sendClose() {
    if (!ws) return;
    var codeText = $('close-code').value.trim(), reason = $('close-reason').value;
    var code = Number(codeText);
    $('close-error').textContent = '';
    if (codeText !== '' && !(/^\d+$/.test(codeText) && (code === 1000 || (code >= 3000 && code <= 4999)))) {
      $('close-error').textContent = 'A browser may send close code 1000 or 3000–4999 (or none); got ' + JSON.stringify(codeText) + '.';
      $('close-code').focus();
      return;
    }
    if (bytesOf(reason) > 123) { $('close-error').textContent = 'The reason is ' + bytesOf(reason) + ' bytes; at most 123 fit in a close frame.'; $('close-reason').focus(); return; }
    if (codeText === '' && reason) { $('close-error').textContent = 'A reason needs a code.'; $('close-code').focus(); return; }
    if (codeText === '') ws.close(); else ws.close(code, reason);
    log('close sent', codeText === '' ? 'no code' : 'code ' + code + (reason ? ' reason ' + JSON.stringify(reason) : ''));
    setState('closing');
  }

  function copyUrl() {
    var field = $('url');
    var done = function () { $('copy-status').textContent = 'Copied'; setTimeout(function () { $('copy-status').textContent = ''; }, 2000); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    else { field.select(); if (document.execCommand('copy')) done(); }
  }

  $('connect-form').addEventListener('submit', function (event) { event.preventDefault(); connect(); });
  $('connect-form').addEventListener('input', showUrl);
  $('connect-form').addEventListener('change', showUrl);
  $('send-form').addEventListener('submit', function (event) { event.preventDefault(); send(); });
  $('close-form').addEventListener('submit', function (event) { event.preventDefault(); sendClose(); });
  $('copy').addEventListener('click', copyUrl);
  $('clear').addEventListener('click', function () { $('log').replaceChildren(); $('log-count').textContent = '0 of at most ' + LOG_LIMIT + ' entries'; });
  Array.prototype.forEach.call(document.querySelectorAll('input[name=as]'), function (radio) {
    radio.addEventListener('change', function () { $('message').placeholder = $('as-binary').checked ? 'hex bytes, like 01 ff 7a' : 'text to echo'; });
  });
  showUrl();
  setState('closed');
})();
`;
