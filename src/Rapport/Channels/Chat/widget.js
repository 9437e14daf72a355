/*
 * Rapport website chat. Embed with one tag:
 *   <script src="https://rapport.example/chat/widget.js" data-key="pk_…" async></script>
 * Plain JavaScript, no dependencies, inside a shadow root so the page's styles and the widget's never mix.
 * Every text (the brand's, the agent's, the visitor's) is set with textContent, never parsed as HTML.
 * The visitor token travels only in a header, never in a URL: the event stream is read with fetch(), not EventSource.
 */
(function () {
    'use strict';
    var script = document.currentScript;
    var key = script && script.getAttribute('data-key');
    if (!key || window.__rapportChat) {
        return;
    }
    window.__rapportChat = true;

    var base = script.src.replace(/\/chat\/widget\.js(\?.*)?$/, '');
    var api = base + '/api/v1/chat/' + encodeURIComponent(key);
    var language = (document.documentElement.lang || navigator.language || 'en').toLowerCase().indexOf('fr') === 0 ? 'fr' : 'en';
    var storageKey = 'rapport-chat:' + key;
    var maxLength = 4000;
    /* At most one typing signal this often (the server refuses more); the agent's shows until this long after the last one. */
    var typingInterval = 3000;
    var typingShownFor = 8000;

    var config = null;
    var token = read();
    var stream = null;
    var retries = 0;
    var typingSentAt = 0;
    var typingTimer = null;
    var shown = {};
    var ui = {};

    function read() {
        try {
            return window.localStorage.getItem(storageKey);
        } catch (e) {
            return null; // Storage blocked: the session lasts as long as the page.
        }
    }

    function keep(value) {
        token = value;
        try {
            if (value) {
                window.localStorage.setItem(storageKey, value);
            } else {
                window.localStorage.removeItem(storageKey);
            }
        } catch (e) {
            // Storage blocked: the session lasts as long as the page.
        }
    }

    /* A random id per message, so a send retried after a network error is stored once. */
    function uuid() {
        var b = new Uint8Array(16);
        window.crypto.getRandomValues(b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
        return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
    }

    function el(tag, attributes, text) {
        var node = document.createElement(tag);
        Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
        if (text !== undefined && text !== null) {
            node.textContent = text;
        }
        return node;
    }

    function loadConfig() {
        return fetch(api + '?lang=' + language, { credentials: 'omit' }).then(function (response) {
            if (!response.ok) {
                throw new Error('Rapport chat: this page may not use key ' + key + ' (HTTP ' + response.status + ').');
            }
            return response.json();
        }).then(function (loaded) {
            config = loaded;
            return loaded;
        });
    }

    var css = [
        ':host { all: initial; }',
        '* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }',
        '.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 24px; padding: 12px 20px;',
        '  background: #1f5f4a; color: #fff; font-size: 15px; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }',
        '.launcher:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }',
        '.panel { position: fixed; right: 20px; bottom: 80px; z-index: 2147483000; width: min(360px, calc(100vw - 40px)); max-height: min(560px, calc(100vh - 100px));',
        '  display: flex; flex-direction: column; background: #fff; color: #1d2327; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; }',
        '.panel[hidden] { display: none; }',
        'header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px; background: #1f5f4a; color: #fff; }',
        'h2 { margin: 0; font-size: 16px; }',
        '.close { background: transparent; color: #fff; border: 0; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 8px; }',
        '.log { list-style: none; margin: 0; padding: 12px 16px; overflow-y: auto; flex: 1; min-height: 120px; }',
        '.log li { margin: 0 0 10px; padding: 8px 10px; border-radius: 8px; background: #eef3f1; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 14px; }',
        '.log li.visitor { background: #dcebe5; margin-left: 32px; }',
        '.log li.brand { margin-right: 32px; }',
        '.who { display: block; font-size: 12px; font-weight: 600; margin-bottom: 2px; }',
        'form { display: flex; flex-direction: column; gap: 6px; padding: 12px 16px; border-top: 1px solid #dde3e0; }',
        'label { font-size: 13px; font-weight: 600; }',
        'textarea, input { width: 100%; font-size: 14px; padding: 8px; border: 1px solid #8a9792; border-radius: 6px; color: #1d2327; background: #fff; }',
        'textarea { resize: vertical; min-height: 60px; }',
        '.send { align-self: flex-end; border: 0; border-radius: 6px; padding: 8px 16px; background: #1f5f4a; color: #fff; font-size: 14px; cursor: pointer; }',
        '.intro { margin: 0; padding: 12px 16px 0; font-size: 14px; }',
        '.form-title { margin: 0; font-size: 14px; }',
        '.status { margin: 0; padding: 0 16px 12px; font-size: 13px; color: #8a1c1c; }',
        '.typing { margin: 0; padding: 0 16px 8px; font-size: 13px; font-style: italic; color: #4a5652; min-height: 1.2em; }',
        '.status.ok { color: #1f5f4a; }'
    ].join('\n');

    function build() {
        var host = el('div', { 'data-rapport-chat': '' });
        var root = host.attachShadow({ mode: 'open' });
        var labels = config.labels;
        root.appendChild(el('style', {}, css));

        ui.launcher = el('button', { type: 'button', 'class': 'launcher', 'aria-expanded': 'false', 'aria-controls': 'rapport-chat-panel' }, labels.open);
        ui.panel = el('section', { id: 'rapport-chat-panel', 'class': 'panel', role: 'dialog', 'aria-labelledby': 'rapport-chat-title', hidden: '' });
        var header = el('header');
        header.appendChild(el('h2', { id: 'rapport-chat-title' }, labels.title));
        ui.close = el('button', { type: 'button', 'class': 'close', 'aria-label': labels.close }, '\u00d7');
        header.appendChild(ui.close);
        ui.intro = el('p', { 'class': 'intro' });
        ui.log = el('ol', { 'class': 'log', role: 'log', 'aria-live': 'polite', 'aria-label': labels.log });
        ui.typing = el('p', { 'class': 'typing', 'aria-live': 'polite', 'data-rapport-typing': '' });

        ui.form = el('form', { novalidate: '' });
        ui.formTitle = el('h3', { 'class': 'form-title', hidden: '' }, labels.offlineTitle);
        ui.form.appendChild(ui.formTitle);
        ui.form.appendChild(el('label', { 'for': 'rapport-chat-email' }, labels.email));
        ui.email = el('input', { id: 'rapport-chat-email', type: 'email', autocomplete: 'email', maxlength: '254' });
        ui.form.appendChild(ui.email);
        ui.form.appendChild(el('label', { 'for': 'rapport-chat-text' }, labels.message));
        ui.text = el('textarea', { id: 'rapport-chat-text', rows: '3', maxlength: String(maxLength) });
        ui.form.appendChild(ui.text);
        ui.send = el('button', { type: 'submit', 'class': 'send' }, labels.send);
        ui.form.appendChild(ui.send);
        ui.status = el('p', { 'class': 'status', role: 'status' });

        ui.panel.appendChild(header);
        ui.panel.appendChild(ui.intro);
        ui.panel.appendChild(ui.log);
        ui.panel.appendChild(ui.typing);
        ui.panel.appendChild(ui.form);
        ui.panel.appendChild(ui.status);
        root.appendChild(ui.launcher);
        root.appendChild(ui.panel);
        document.body.appendChild(host);

        ui.launcher.addEventListener('click', function () {
            if (ui.panel.hidden) {
                open();
            } else {
                close();
            }
        });
        ui.close.addEventListener('click', close);
        ui.panel.addEventListener('keydown', function (event) {
            if (event.key === 'Escape') {
                close();
            }
        });
        ui.text.addEventListener('keydown', function (event) {
            if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                submit();
            }
        });
        ui.text.addEventListener('input', signalTyping);
        ui.form.addEventListener('submit', function (event) {
            event.preventDefault();
            submit();
        });
        render();
    }

    /* Online: the greeting and a message box (e-mail optional). Offline: the brand's offline text and a form that needs an e-mail. */
    function render() {
        var labels = config.labels;
        var offline = !config.online;
        ui.intro.textContent = config.paused ? labels.paused : offline ? config.offlineText : config.greeting;
        ui.formTitle.hidden = !offline;
        ui.form.hidden = config.paused;
        ui.send.textContent = offline ? labels.offlineSend : labels.send;
        ui.email.required = offline;
        ui.email.previousSibling.textContent = offline ? labels.emailRequired : labels.email;
        ui.panel.setAttribute('data-mode', config.paused ? 'paused' : offline ? 'offline' : 'online');
    }

    function open() {
        ui.panel.hidden = false;
        ui.launcher.setAttribute('aria-expanded', 'true');
        ui.text.focus();
        // Someone may have come or gone since the page loaded.
        loadConfig().then(render, function () { /* keep the last known state */ });
        if (token) {
            listen();
        }
    }

    function close() {
        ui.panel.hidden = true;
        ui.launcher.setAttribute('aria-expanded', 'false');
        ui.launcher.focus();
    }

    function show(line) {
        if (shown[line.id]) {
            return; // Already on screen: a reconnected stream sends the conversation again.
        }
        shown[line.id] = true;
        var item = el('li', { 'class': line.fromVisitor ? 'visitor' : 'brand', 'data-id': line.id });
        item.appendChild(el('span', { 'class': 'who' }, line.fromVisitor ? config.labels.you : line.authorName));
        item.appendChild(document.createTextNode(line.text));
        ui.log.appendChild(item);
        ui.log.scrollTop = ui.log.scrollHeight;
    }

    /* The agents' names typing a reply, until they send, stop, or the signal is not repeated (a lost stream). */
    function showTyping(names) {
        window.clearTimeout(typingTimer);
        ui.typing.textContent = names.length ? config.labels.typing.replace('{0}', names.join(', ')) : '';
        if (names.length) {
            typingTimer = window.setTimeout(function () { ui.typing.textContent = ''; }, typingShownFor);
        }
    }

    /* Tells the agents the visitor is typing, at most once every few seconds, and only in a live chat. */
    function signalTyping() {
        var now = Date.now();
        if (!token || !stream || !config.online || !ui.text.value.trim() || now - typingSentAt < typingInterval) {
            return;
        }
        typingSentAt = now;
        fetch(api + '/typing', { method: 'POST', headers: { 'X-Rapport-Visitor': token }, credentials: 'omit' })
            .catch(function () { /* only a hint: a lost signal is not worth an error */ });
    }

    function dispatch(block) {
        var name = 'message';
        var data = [];
        block.split('\n').forEach(function (line) {
            line = line.replace(/\r$/, '');
            if (line.indexOf('event:') === 0) {
                name = line.slice(6).trim();
            } else if (line.indexOf('data:') === 0) {
                data.push(line.slice(line.charAt(5) === ' ' ? 6 : 5));
            }
        });
        if (!data.length) {
            return;
        }
        var payload = JSON.parse(data.join('\n'));
        if (name === 'line') {
            show(payload);
            if (!payload.fromVisitor) {
                showTyping([]);
            }
        } else if (name === 'typing') {
            showTyping(payload.names || []);
        }
    }

    /* Reads server-sent events from the response body: blocks separated by a blank line. */
    function readEvents(body) {
        var reader = body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        function next() {
            return reader.read().then(function (chunk) {
                if (chunk.done) {
                    return;
                }
                buffer += decoder.decode(chunk.value, { stream: true });
                var end;
                while ((end = buffer.indexOf('\n\n')) >= 0) {
                    dispatch(buffer.slice(0, end));
                    buffer = buffer.slice(end + 2);
                }
                return next();
            });
        }
        return next();
    }

    /*
     * The conversation, then each reply as it is delivered. fetch() rather than EventSource so that the token goes in a
     * header, not in the URL (where access logs and proxies would keep it). On each (re)connection the server sends the
     * whole conversation again and show() skips the lines already on screen: nothing delivered while disconnected is
     * missed, nothing is shown twice.
     */
    function listen() {
        if (stream || !token) {
            return;
        }
        var current = stream = new AbortController();
        fetch(api + '/stream', { headers: { 'X-Rapport-Visitor': token, Accept: 'text/event-stream' }, credentials: 'omit', cache: 'no-store', signal: current.signal })
            .then(function (response) {
                if (response.status === 401 || response.status === 403 || response.status === 404 || response.status === 503) {
                    return false; // Refused (paused, or a token that is no longer valid); the next send starts again.
                }
                if (!response.ok || !response.body) {
                    throw new Error('HTTP ' + response.status);
                }
                retries = 0;
                return readEvents(response.body).then(function () { return true; });
            })
            .catch(function () { return true; })
            .then(function (again) {
                if (stream !== current) {
                    return; // Stopped on purpose, or replaced by a newer stream.
                }
                stream = null;
                showTyping([]);
                if (again) {
                    // Lost (network, server restart): come back, waiting longer each time, up to half a minute.
                    window.setTimeout(listen, Math.min(30000, 1000 * Math.pow(2, retries++)));
                }
            });
    }

    function stopListening() {
        if (stream) {
            var current = stream;
            stream = null;
            current.abort();
        }
    }

    function say(text, ok) {
        ui.status.textContent = text || '';
        ui.status.className = ok ? 'status ok' : 'status';
    }

    function submit(retried) {
        var labels = config.labels;
        var text = ui.text.value.trim();
        var email = ui.email.value.trim();
        var offline = !config.online;
        if (!text || (offline && !email)) {
            say(offline && !email ? labels.emailRequired : labels.message);
            (text ? ui.email : ui.text).focus();
            return;
        }
        if (text.length > maxLength) {
            say(labels.tooLong);
            return;
        }
        var headers = { 'Content-Type': 'application/json' };
        if (token) {
            headers['X-Rapport-Visitor'] = token;
        }
        ui.send.disabled = true;
        var body = { text: text, email: email || null, clientId: ui.pending || (ui.pending = uuid()) };
        fetch(api + (offline ? '/offline' : '/messages'), { method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'omit' })
            .then(function (response) {
                if (response.status === 401 && token && !retried) {
                    keep(null); // A session from another chat or an old key: start a new one.
                    stopListening();
                    ui.send.disabled = false;
                    return submit(true);
                }
                return response.json().then(function (result) {
                    if (!response.ok) {
                        say(response.status === 503 ? labels.paused : response.status === 400 && result.errors && result.errors.text ? labels.tooLong : labels.error);
                        return;
                    }
                    ui.pending = null;
                    keep(result.token);
                    show(result.message);
                    ui.text.value = '';
                    say(offline ? labels.offlineSent : '', true);
                    listen();
                });
            })
            .catch(function () {
                say(labels.error);
            })
            .then(function () {
                ui.send.disabled = false;
            });
    }

    function start() {
        loadConfig().then(function () {
            build();
            if (token) {
                listen();
            }
        }, function (error) {
            if (window.console) {
                window.console.warn(error.message);
            }
        });
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
})();
