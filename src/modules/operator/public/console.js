/*
 * Switchboard operator console: plain JavaScript, no build step. Talks to the /operator Socket.IO
 * namespace (events with a per-user seq, resumed after a reconnect) and to the REST API, always
 * with the token the operator signed in with. The token never goes in a URL: it is read from the
 * page's #fragment (which browsers do not send) or pasted, then kept in sessionStorage.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'switchboard.console.token';
  var SEQ_KEY = 'switchboard.console.lastSeq';
  var GAP_TIMEOUT_MS = 3000;
  var COMMAND_TIMEOUT_MS = 8000;
  var EVENTS = [
    'snapshot',
    'call:offered',
    'call:retracted',
    'call:answered',
    'call:transferred',
    'call:ended',
    'agent:status',
    'queue:stats',
    'callback:created',
    'callback:closed',
    'dial:progress',
  ];

  var state = {
    token: null,
    me: null,
    socket: null,
    lastSeq: null,
    held: new Map(),
    gapTimer: null,
    agent: null,
    offers: new Map(),
    calls: new Map(),
    queues: new Map(),
    callbacks: new Map(),
    dials: new Map(),
    stopped: false,
  };

  // ------------------------------------------------------------------------------ helpers

  function $(id) {
    return document.getElementById(id);
  }

  /** Builds an element; text only through textContent, never innerHTML. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (k) {
      if (k === 'text') node.textContent = a[k];
      else if (k === 'class') node.className = a[k];
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), a[k]);
      else if (a[k] !== null && a[k] !== undefined && a[k] !== false) node.setAttribute(k, a[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function show(node, visible) {
    node.classList.toggle('hidden', !visible);
  }

  function toast(text, kind) {
    var t = $('toast');
    t.textContent = text;
    t.className = 'toast ' + (kind || '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () {
      t.className = 'toast hidden';
    }, 5000);
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return 'k' + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function seconds(fromIso) {
    return Math.max(0, Math.floor((Date.now() - Date.parse(fromIso)) / 1000));
  }

  function duration(s) {
    var m = Math.floor(s / 60);
    return m > 0 ? m + ':' + String(s % 60).padStart(2, '0') : s + ' s';
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function safeUrl(u) {
    return typeof u === 'string' && /^https?:\/\//i.test(u) ? u : null;
  }

  function api(path, options) {
    var o = options || {};
    var headers = { authorization: 'Bearer ' + state.token };
    if (o.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, {
      method: o.method || 'GET',
      headers: headers,
      body: o.json !== undefined ? JSON.stringify(o.json) : undefined,
    }).then(function (res) {
      if (o.raw) return res;
      return res.text().then(function (text) {
        var body = text ? JSON.parse(text) : undefined;
        if (!res.ok) {
          var err = new Error((body && body.error && body.error.message) || res.statusText);
          err.status = res.status;
          throw err;
        }
        return body;
      });
    });
  }

  // ------------------------------------------------------------------------------ sign in

  function readToken() {
    var m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function signIn(token) {
    state.token = token.trim();
    $('login-error').textContent = '';
    return api('/api/v1/auth/me')
      .then(function (me) {
        if (me.kind !== 'user') throw new Error('This is not a user token');
        state.me = me;
        sessionStorage.setItem(TOKEN_KEY, state.token);
        $('who').textContent = me.displayName;
        show($('login'), false);
        show($('desk'), true);
        show($('logout'), true);
        show($('pause-form'), true);
        connect();
        loadHistory();
        loadCallbacks();
      })
      .catch(function (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        signedOut(
          e.status === 401 ? 'This token is not valid (expired?): ask your CRM for a new one.' : e.message,
        );
      });
  }

  function signedOut(message) {
    state.stopped = true;
    if (state.socket) state.socket.close();
    state.socket = null;
    show($('desk'), false);
    show($('login'), true);
    show($('logout'), false);
    show($('pause-form'), false);
    setLink('off', 'offline');
    $('login-error').textContent = message || '';
  }

  // ------------------------------------------------------------------------------ socket

  function setLink(cls, text) {
    var l = $('link');
    l.className = 'link ' + cls;
    l.textContent = text;
  }

  function connect() {
    state.stopped = false;
    var stored = sessionStorage.getItem(SEQ_KEY + ':' + state.me.userId);
    state.lastSeq = stored ? Number(stored) : null;
    var socket = io('/operator', {
      transports: ['websocket', 'polling'],
      auth: function (cb) {
        cb(state.lastSeq === null ? { token: state.token } : { token: state.token, lastSeq: state.lastSeq });
      },
    });
    state.socket = socket;
    EVENTS.forEach(function (name) {
      socket.on(name, function (event) {
        receive(name, event);
      });
    });
    socket.on('connect', function () {
      setLink('on', 'online');
    });
    socket.on('disconnect', function (reason) {
      setLink('off', 'reconnecting…');
      if (reason === 'io server disconnect' && !state.stopped) {
        setTimeout(function () {
          if (!state.stopped) socket.connect();
        }, 1000);
      }
    });
    socket.on('connect_error', function (err) {
      if (!err.data) return setLink('off', 'reconnecting…');
      if (err.data.code === 'UNAUTHENTICATED') signedOut(err.data.message);
      else setLink('off', err.data.message);
    });
    socket.on('session:replaced', function (n) {
      signedOut(n.message);
    });
    socket.on('session:expired', function (n) {
      sessionStorage.removeItem(TOKEN_KEY);
      signedOut(n.message);
    });
    socket.on('session:closing', function (n) {
      toast(n.message);
    });
  }

  /** Hands events to handlers once each, in seq order; a gap that does not fill triggers a resync. */
  function receive(name, event) {
    if (name === 'snapshot') {
      setSeq(event.seq);
      state.held.forEach(function (_, s) {
        if (s <= event.seq) state.held.delete(s);
      });
      handle(name, event);
      return drain();
    }
    if (state.lastSeq !== null && event.seq <= state.lastSeq) return;
    if (state.lastSeq !== null && event.seq === state.lastSeq + 1) {
      setSeq(event.seq);
      handle(name, event);
      return drain();
    }
    state.held.set(event.seq, { name: name, event: event });
    if (!state.gapTimer) {
      state.gapTimer = setTimeout(function () {
        state.gapTimer = null;
        state.held.clear();
        state.socket.disconnect();
        state.socket.connect();
      }, GAP_TIMEOUT_MS);
    }
  }

  function drain() {
    var next = state.held.get(state.lastSeq + 1);
    while (next) {
      state.held.delete(next.event.seq);
      setSeq(next.event.seq);
      handle(next.name, next.event);
      next = state.held.get(state.lastSeq + 1);
    }
    if (state.held.size === 0 && state.gapTimer) {
      clearTimeout(state.gapTimer);
      state.gapTimer = null;
    }
  }

  function setSeq(seq) {
    state.lastSeq = seq;
    sessionStorage.setItem(SEQ_KEY + ':' + state.me.userId, String(seq));
  }

  /** Sends a command; re-sends it (same idempotency key) when no answer comes; resolves with the ack. */
  function command(name, payload, attempt) {
    var n = attempt || 1;
    return state.socket
      .timeout(COMMAND_TIMEOUT_MS)
      .emitWithAck(name, payload)
      .catch(function () {
        if (n >= 3)
          return { ok: false, error: { code: 'UNAVAILABLE', message: 'No answer from Switchboard' } };
        return command(name, payload, n + 1);
      });
  }

  // ------------------------------------------------------------------------------ events

  function handle(name, e) {
    switch (name) {
      case 'snapshot':
        state.agent = e.agent;
        state.offers = new Map(e.offers.map((o) => [o.callId, o]));
        state.calls = new Map(e.calls.map((c) => [c.callId, c]));
        state.queues = new Map(e.queues.map((q) => [q.pbxId + ' ' + q.queue, q]));
        state.callbacks = new Map(e.callbacks.map((c) => [c.id, c]));
        renderAll();
        if (e.gap) loadHistory();
        break;
      case 'call:offered':
        state.offers.set(e.callId, e);
        renderOffers();
        break;
      case 'call:retracted': {
        var offer = state.offers.get(e.callId);
        state.offers.delete(e.callId);
        renderOffers();
        if (offer) toast(retractText(e, offer));
        break;
      }
      case 'call:answered':
        if (e.userId === state.me.userId) {
          state.offers.delete(e.callId);
          state.calls.set(e.callId, e);
          renderOffers();
          renderCalls();
        }
        break;
      case 'call:transferred':
        if (state.calls.has(e.callId)) toast('Transferred to ' + (e.toExtension || 'another number'));
        break;
      case 'call:ended':
        state.offers.delete(e.callId);
        if (state.calls.delete(e.callId) || e.userId === state.me.userId) loadHistorySoon();
        renderOffers();
        renderCalls();
        break;
      case 'agent:status':
        if (e.userId === state.me.userId) {
          state.agent = e;
          renderAgent();
          renderQueues();
        }
        break;
      case 'queue:stats':
        state.queues.set(e.pbxId + ' ' + e.queue, e);
        renderQueues();
        break;
      case 'callback:created':
        state.callbacks.set(e.id, e);
        renderCallbacks();
        toast('New call-back: ' + (e.contactName || e.number));
        break;
      case 'callback:closed':
        state.callbacks.delete(e.id);
        renderCallbacks();
        break;
      case 'dial:progress':
        state.dials.set(e.dialId, e);
        renderDials();
        break;
    }
  }

  function retractText(e, offer) {
    var who = offer.callerName || offer.callerNumber || 'The caller';
    if (e.reason === 'answered-elsewhere') {
      return (
        who +
        ' was answered by ' +
        ((e.answeredBy && (e.answeredBy.name || e.answeredBy.extension)) || 'a colleague')
      );
    }
    if (e.reason === 'caller-hungup') return who + ' hung up';
    return who + ': your phone stopped ringing';
  }

  // ------------------------------------------------------------------------------ rendering

  function renderAll() {
    renderAgent();
    renderOffers();
    renderCalls();
    renderQueues();
    renderCallbacks();
    renderDials();
  }

  function renderAgent() {
    var a = state.agent;
    var box = $('agent');
    box.textContent = '';
    if (!a) return;
    box.appendChild(el('span', { class: 'ext', text: a.extension ? 'Ext. ' + a.extension : 'No phone' }));
    box.appendChild(
      el('span', {
        class: 'status ' + (a.paused ? 'paused' : 'ready'),
        text: a.paused ? 'Paused' + (a.pausedReason ? ': ' + a.pausedReason : '') : 'Ready',
      }),
    );
    show($('pause'), !a.paused);
    show($('pause-reason'), !a.paused);
    show($('unpause'), a.paused);
  }

  function renderOffers() {
    var box = $('offers');
    box.textContent = '';
    $('offer-count').textContent = state.offers.size ? String(state.offers.size) : '';
    if (state.offers.size === 0)
      return box.appendChild(el('p', { class: 'empty', text: 'No call is ringing for you.' }));
    state.offers.forEach(function (o) {
      box.appendChild(offerCard(o));
    });
  }

  function offerCard(o) {
    var contacts = el('ul', { class: 'contacts' });
    if (o.contacts.length === 0) contacts.appendChild(el('li', { class: 'muted', text: 'Unknown caller' }));
    o.contacts.forEach(function (c) {
      var url = safeUrl(c.profileUrl);
      contacts.appendChild(
        el(
          'li',
          { class: 'contact' },
          url
            ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: c.displayName })
            : el('span', { text: c.displayName }),
          c.company ? el('span', { class: 'muted', text: ' · ' + c.company }) : null,
        ),
      );
    });
    var history = null;
    if (o.previousCalls.length > 0) {
      history = el('p', {
        class: 'muted small',
        text:
          'Earlier: ' +
          o.previousCalls
            .map(function (p) {
              return new Date(p.startedAt).toLocaleDateString() + ' ' + p.outcome.replace('_', ' ');
            })
            .join(', '),
      });
    }
    var answer = el('button', { class: 'answer', type: 'button', text: 'Answer' });
    answer.addEventListener('click', function () {
      answer.disabled = true;
      answer.textContent = 'Connecting…';
      command('call:answer', { idempotencyKey: newKey(), callId: o.callId }).then(function (ack) {
        if (ack.ok) {
          toast('Your phone rings: pick it up', 'good');
          answer.textContent = 'Answered';
        } else {
          toast(ack.error.message, 'bad');
          answer.disabled = false;
          answer.textContent = 'Answer';
        }
      });
    });
    return el(
      'article',
      { class: 'card offer', 'data-call-id': o.callId },
      el(
        'header',
        null,
        el('strong', { class: 'caller', text: o.callerName || o.callerNumber || 'Unknown number' }),
        o.callerName && o.callerNumber ? el('span', { class: 'number', text: o.callerNumber }) : null,
      ),
      el(
        'p',
        { class: 'muted small' },
        (o.queue ? 'Queue ' + o.queue : 'Direct call') + (o.did ? ' · to ' + o.did : '') + ' · waiting ',
        el('span', { class: 'since', 'data-since': o.waitingSince, text: duration(seconds(o.waitingSince)) }),
      ),
      contacts,
      history,
      el('div', { class: 'actions' }, answer),
    );
  }

  function renderCalls() {
    var box = $('calls');
    box.textContent = '';
    if (state.calls.size === 0)
      return box.appendChild(el('p', { class: 'empty', text: 'No call in progress.' }));
    state.calls.forEach(function (c) {
      var to = el('input', { placeholder: 'Transfer to', maxlength: '64', class: 'transfer-to' });
      var transfer = el('button', { type: 'button', text: 'Transfer' });
      transfer.addEventListener('click', function () {
        if (!to.value.trim()) return to.focus();
        command('call:transfer', { idempotencyKey: newKey(), callId: c.callId, to: to.value.trim() }).then(
          report('Transferred'),
        );
      });
      var hangup = el('button', { type: 'button', class: 'hangup', text: 'Hang up' });
      hangup.addEventListener('click', function () {
        hangup.disabled = true;
        command('call:hangup', { idempotencyKey: newKey(), callId: c.callId }).then(function (ack) {
          if (!ack.ok) {
            hangup.disabled = false;
            toast(ack.error.message, 'bad');
          }
        });
      });
      box.appendChild(
        el(
          'article',
          { class: 'card call', 'data-call-id': c.callId },
          el(
            'header',
            null,
            el('strong', {
              text: c.callerName && c.direction === 'inbound' ? c.callerName : c.remoteNumber || 'Call',
            }),
            el('span', { class: 'number', text: c.remoteNumber || '' }),
          ),
          el(
            'p',
            { class: 'muted small' },
            (c.direction === 'outbound' ? 'Outgoing' : 'Incoming') + ' · talking ',
            el('span', { class: 'since', 'data-since': c.answeredAt, text: duration(seconds(c.answeredAt)) }),
          ),
          el('div', { class: 'actions' }, to, transfer, hangup),
        ),
      );
    });
  }

  function report(done) {
    return function (ack) {
      toast(ack.ok ? done : ack.error.message, ack.ok ? 'good' : 'bad');
    };
  }

  function renderQueues() {
    var body = $('queues').tBodies[0];
    body.textContent = '';
    var memberships = (state.agent && state.agent.memberships) || [];
    if (memberships.length === 0) {
      body.appendChild(
        el('tr', null, el('td', { colspan: '4', class: 'empty', text: 'You are in no queue.' })),
      );
      return;
    }
    memberships.forEach(function (m) {
      var q = state.queues.get(m.pbxId + ' ' + m.queue);
      var st = !m.loggedIn ? 'logged off' : m.paused ? 'paused' : 'ready';
      body.appendChild(
        el(
          'tr',
          { 'data-queue': m.queue },
          el('td', { text: m.group + (m.role === 'supervisor' ? ' (supervisor)' : '') }),
          el('td', { class: st.replace(' ', '-'), text: st }),
          el('td', { class: 'num waiting', text: q ? String(q.waiting) : '0' }),
          el(
            'td',
            { class: 'num' },
            q && q.oldestWaitingSince
              ? el('span', {
                  class: 'since',
                  'data-since': q.oldestWaitingSince,
                  text: duration(seconds(q.oldestWaitingSince)),
                })
              : '–',
          ),
        ),
      );
    });
  }

  function renderCallbacks() {
    var box = $('callbacks');
    box.textContent = '';
    var open = [];
    state.callbacks.forEach(function (c) {
      if (c.status === 'open') open.push(c);
    });
    $('callback-count').textContent = open.length ? String(open.length) : '';
    if (open.length === 0)
      return box.appendChild(el('li', { class: 'empty', text: 'Nothing to call back.' }));
    open.forEach(function (c) {
      var call = el('button', { type: 'button', text: 'Call' });
      call.addEventListener('click', function () {
        dial(c.number);
      });
      var done = el('button', { type: 'button', class: 'quiet', text: 'Done' });
      done.addEventListener('click', function () {
        api('/api/v1/callbacks/' + c.id + '/close', { method: 'POST', json: {} }).then(
          function () {
            state.callbacks.delete(c.id);
            renderCallbacks();
          },
          function (e) {
            toast(e.message, 'bad');
          },
        );
      });
      box.appendChild(
        el(
          'li',
          { class: 'callback', 'data-id': c.id },
          el('strong', { text: c.contactName || c.number }),
          el('span', {
            class: 'muted',
            text:
              ' ' +
              c.number +
              ' · ' +
              c.reason +
              ' ' +
              time(c.createdAt) +
              (c.assigneeUserId ? '' : ' · group'),
          }),
          el('span', { class: 'actions' }, call, done),
        ),
      );
    });
  }

  var DIAL_TEXT = {
    pending: 'Calling your phone…',
    'ringing-agent': 'Your phone is ringing: pick it up',
    'ringing-customer': 'Calling the number…',
    answered: 'Connected',
    failed: 'Failed',
  };

  function renderDials() {
    var box = $('dials');
    box.textContent = '';
    Array.from(state.dials.values())
      .slice(-4)
      .reverse()
      .forEach(function (d) {
        box.appendChild(
          el(
            'li',
            { class: 'dial ' + d.state, 'data-dial-id': d.dialId },
            el('strong', { text: d.number }),
            ' ',
            el('span', {
              class: 'state',
              text: DIAL_TEXT[d.state] + (d.state === 'failed' && d.causeText ? ': ' + d.causeText : ''),
            }),
          ),
        );
      });
  }

  function dial(number) {
    return command('call:dial', { idempotencyKey: newKey(), number: number }).then(function (ack) {
      if (!ack.ok) return toast(ack.error.message, 'bad');
      if (!state.dials.has(ack.dialId)) state.dials.set(ack.dialId, ack);
      renderDials();
    });
  }

  // ------------------------------------------------------------------------------ history

  function loadHistory() {
    return api('/api/v1/comm-events?limit=20&userId=' + encodeURIComponent(state.me.userId))
      .then(function (page) {
        var box = $('history');
        box.textContent = '';
        if (page.items.length === 0)
          return box.appendChild(el('li', { class: 'empty', text: 'No calls yet.' }));
        page.items.forEach(function (c) {
          var number = c.direction === 'outbound' ? c.toNumber : c.fromNumber;
          var play = null;
          if (c.recordingUrl) {
            play = el('button', { type: 'button', class: 'play', text: '▶ Recording' });
            play.addEventListener('click', function () {
              playRecording(c.recordingUrl);
            });
          }
          box.appendChild(
            el(
              'li',
              { class: 'history-item', 'data-comm-event-id': c.id },
              el('span', {
                class: 'dir',
                text: c.direction === 'outbound' ? '↗' : c.direction === 'inbound' ? '↙' : '↔',
              }),
              el('strong', { text: number || '?' }),
              el('span', {
                class: 'muted',
                text:
                  ' ' +
                  time(c.startedAt) +
                  ' · ' +
                  (c.outcome || c.status).replace('_', ' ') +
                  (c.talkSeconds ? ' · ' + duration(c.talkSeconds) : ''),
              }),
              play,
            ),
          );
        });
      })
      .catch(function (e) {
        toast('History: ' + e.message, 'bad');
      });
  }

  function loadHistorySoon() {
    clearTimeout(loadHistorySoon.timer);
    loadHistorySoon.timer = setTimeout(loadHistory, 300);
  }

  /** Recordings need the token: fetched with it, played from a blob URL. */
  function playRecording(url) {
    api(url, { raw: true })
      .then(function (res) {
        if (!res.ok) throw new Error('Recording: ' + res.status + ' ' + res.statusText);
        return res.blob();
      })
      .then(function (blob) {
        var player = $('player');
        if (player.src) URL.revokeObjectURL(player.src);
        player.src = URL.createObjectURL(blob);
        show(player, true);
        return player.play().catch(function () {});
      })
      .catch(function (e) {
        toast(e.message, 'bad');
      });
  }

  function loadCallbacks() {
    return api('/api/v1/callbacks?status=open&limit=50')
      .then(function (page) {
        page.items.forEach(function (c) {
          state.callbacks.set(c.id, c);
        });
        renderCallbacks();
      })
      .catch(function () {});
  }

  // ------------------------------------------------------------------------------ wiring

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    signIn($('token').value);
  });
  $('logout').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    signedOut('Signed out.');
  });
  $('dial-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var n = $('dial-number').value.trim();
    if (n) dial(n);
  });
  $('pause-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var reason = $('pause-reason').value.trim() || 'break';
    command('agent:pause', { idempotencyKey: newKey(), reason: reason }).then(function (ack) {
      if (!ack.ok) return toast(ack.error.message, 'bad');
      state.agent = ack.agent;
      renderAgent();
      renderQueues();
    });
  });
  $('unpause').addEventListener('click', function () {
    command('agent:unpause', { idempotencyKey: newKey() }).then(function (ack) {
      if (!ack.ok) return toast(ack.error.message, 'bad');
      state.agent = ack.agent;
      renderAgent();
      renderQueues();
    });
  });

  // Live counters (waiting, talking) without re-rendering.
  setInterval(function () {
    document.querySelectorAll('[data-since]').forEach(function (n) {
      n.textContent = duration(seconds(n.getAttribute('data-since')));
    });
  }, 1000);

  var token = readToken();
  if (token) signIn(token);
  else signedOut('');
})();
