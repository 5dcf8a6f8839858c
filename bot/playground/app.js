// The playground page: a small Telegram-like client for the local Bot API server.
//
// Everything the page shows comes from the server's event stream (/_local/events, a long
// poll): on load it replays the stream from the start, then follows it. Everything a person
// does goes through the server's control API (/_local/send, /press, /inline, /choose_inline),
// so the bot sees exactly what it would see from Telegram.
//
// Message text is never used as markup: it is rendered from text + entities with DOM nodes
// and text nodes only.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const S = {
    bot: null, // the bot's User
    people: [], // the simulated users
    ownerId: null,
    group: null, // the group Chat
    me: null, // id of the person typing
    view: "private", // "private" | "group"
    chats: new Map(), // chat id -> Map(message id -> {message, delivered, deleted, inlineId})
    unread: new Map(), // chat id -> count
    lastEvent: 0,
    replyTo: null, // message being replied to
    inline: null, // {id, query} of the inline query shown
    typing: new Map(), // chat id -> time the "typing…" status ends
    pendingPress: new Map(), // callback query id -> button element
    knowledge: null,
    privacy: true, // the bot's privacy mode in the group
    why: new Map(), // "chat:message" -> what `faqbot explain` says about the question answered
    whyOpen: new Set(), // "chat:message" of the answers whose "why" is shown
  };

  // ---------------------------------------------------------------- server
  async function call(path, body) {
    const options = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({ ok: false, description: response.statusText }));
    if (!data.ok) throw new Error(data.description || `request failed (${response.status})`);
    return data.result;
  }

  // ---------------------------------------------------------------- people and chats
  const person = (id) => S.people.find((p) => p.id === id);
  const me = () => person(S.me);
  const fullName = (user) => [user.first_name, user.last_name].filter(Boolean).join(" ");
  const currentChatId = () => (S.view === "group" ? S.group.id : S.me);
  const isGroup = (chatId) => chatId === S.group.id;
  const messagesOf = (chatId) => {
    if (!S.chats.has(chatId)) S.chats.set(chatId, new Map());
    return S.chats.get(chatId);
  };
  const speaksChinese = (user) => (user.language_code || "").toLowerCase().startsWith("zh");

  function avatar(node, name, id) {
    node.textContent = [...name.trim()].slice(0, 1).join("").toUpperCase();
    node.dataset.color = String(Math.abs(id) % 7);
  }

  // ---------------------------------------------------------------- formatting
  const SAFE_PROTOCOLS = ["http:", "https:", "mailto:"];

  function safeUrl(raw) {
    try {
      const url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `https://${raw}`);
      return SAFE_PROTOCOLS.includes(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  }

  function link(href, className) {
    const a = el("a", className);
    const safe = safeUrl(href);
    if (safe) {
      a.href = safe;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  // One DOM element for an entity; returns [outer, inner] (inner receives the content).
  function entityElement(entity, text) {
    switch (entity.type) {
      case "bold": return [el("strong")];
      case "italic": return [el("em")];
      case "underline": return [el("u")];
      case "strikethrough": return [el("s")];
      case "code": return [el("code")];
      case "pre": {
        const pre = el("pre");
        const code = el("code");
        if (entity.language) code.dataset.language = entity.language;
        pre.append(code);
        return [pre, code];
      }
      case "spoiler": {
        const span = el("span", "spoiler");
        span.title = "Spoiler: click to show";
        span.addEventListener("click", () => span.classList.add("revealed"));
        return [span];
      }
      case "blockquote": return [el("blockquote")];
      case "expandable_blockquote": {
        const quote = el("blockquote", "expandable");
        quote.addEventListener("click", () => quote.classList.toggle("expanded"));
        return [quote];
      }
      case "text_link": return [link(entity.url, "link")];
      case "url": return [link(text, "link")];
      case "email": {
        const a = el("a", "link");
        a.href = `mailto:${text}`;
        return [a];
      }
      case "bot_command": {
        const a = el("a", "command");
        a.href = "#";
        a.title = "Send this command";
        a.addEventListener("click", (event) => {
          event.preventDefault();
          send(text);
        });
        return [a];
      }
      case "mention":
      case "text_mention":
      case "hashtag":
      case "cashtag":
        return [el("span", "mention")];
      default: return [el("span", `entity-${String(entity.type).replace(/[^a-z_]/g, "")}`)];
    }
  }

  // Entities use UTF-16 offsets, as JavaScript strings do. Nested entities nest; an entity
  // overlapping its parent's end is cut there (as Telegram's own clients do).
  function renderText(text, entities) {
    const sorted = (entities || [])
      .filter((e) => e.length > 0 && e.offset >= 0 && e.offset + e.length <= text.length)
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    const root = document.createDocumentFragment();
    build(root, text, 0, text.length, sorted);
    return root;
  }

  function build(parent, text, start, end, entities) {
    let position = start;
    let i = 0;
    while (i < entities.length) {
      const entity = entities[i];
      const from = Math.max(entity.offset, position);
      const to = Math.min(entity.offset + entity.length, end);
      let j = i + 1;
      while (j < entities.length && entities[j].offset < to) j++;
      if (to > from) {
        if (from > position) parent.append(text.slice(position, from));
        const [outer, inner] = entityElement(entity, text.slice(from, to));
        build(inner || outer, text, from, to, entities.slice(i + 1, j));
        parent.append(outer);
        position = to;
        i = j;
      } else {
        i += 1;
      }
    }
    if (end > position) parent.append(text.slice(position, end));
  }

  function plainPreview(message) {
    return (message.text || (message.new_chat_members ? "joined the group" : "")).split("\n")[0];
  }

  // ---------------------------------------------------------------- messages
  const timeOf = (unix) => new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  function senderName(message) {
    const from = message.from || {};
    return from.id === S.bot.id ? S.bot.first_name : fullName(from);
  }

  function renderMessage(chatId, record) {
    const { message } = record;
    const fromBot = (message.from || {}).id === S.bot.id;
    const mine = !fromBot && (message.from || {}).id === S.me;
    const row = el("div", `msg ${mine ? "out" : "in"}${fromBot ? " bot" : ""}`);
    row.dataset.chat = String(chatId);
    row.dataset.mid = String(message.message_id);
    if (record.deleted) row.classList.add("deleted");

    const bubble = el("div", "bubble");
    if (message.new_chat_members) {
      row.className = "msg service";
      bubble.textContent = `${senderName(message)} joined the group`;
      row.append(bubble);
      return row;
    }
    if (isGroup(chatId) && !mine) {
      const name = el("div", "sender", senderName(message));
      name.dataset.color = String(Math.abs((message.from || {}).id || 0) % 7);
      bubble.append(name);
    }
    if (message.via_bot) bubble.append(el("div", "via", `via @${message.via_bot.username}`));
    if (message.reply_to_message) bubble.append(quoteOf(chatId, message.reply_to_message));
    const body = el("div", "text");
    body.append(renderText(message.text || "", message.entities));
    bubble.append(body);

    const meta = el("div", "meta");
    if (record.deleted) meta.append(el("span", "note", "deleted"));
    if (message.edit_date) meta.append(el("span", "edited", "edited"));
    meta.append(el("time", "", timeOf(message.date)));
    const question = fromBot ? questionAnswered(message) : null;
    if (question !== null) meta.prepend(whyButton(chatId, message, question));
    bubble.append(meta);
    bubble.addEventListener("dblclick", () => startReply(chatId, message));
    row.append(bubble);
    if (question !== null) row.append(whyPanel(chatId, message));

    if (isGroup(chatId) && !fromBot && record.delivered === false) {
      row.classList.add("unseen");
      row.append(el("div", "unseen-note",
        "Not seen by the bot: with privacy mode on, it sees commands, replies to its messages and messages sent via it"));
    }
    const keyboard = (message.reply_markup || {}).inline_keyboard;
    if (keyboard && !record.deleted) row.append(renderKeyboard(chatId, record, keyboard));

    const actions = el("div", "actions");
    const reply = el("button", "reply-button", "reply");
    reply.type = "button";
    reply.title = "Reply to this message";
    reply.addEventListener("click", () => startReply(chatId, message));
    actions.append(reply);
    row.append(actions);
    return row;
  }

  // ---------------------------------------------------------------- "why": the maintainer's view
  // The text of the user's question a bot message answers (it replies to it), else null.
  function questionAnswered(message) {
    const asked = message.reply_to_message;
    if (!asked || (asked.from || {}).id === S.bot.id || !asked.text) return null;
    const text = asked.text.trim();
    return text.startsWith("/") && !/^\/ask(@\w+)?(\s|$)/i.test(text) ? null : text;
  }

  const whyKey = (chatId, message) => `${chatId}:${message.message_id}`;

  function whyButton(chatId, message, question) {
    const button = el("button", "why-button", "why");
    button.type = "button";
    button.title = "What `faqbot explain` shows: score, threshold, candidates, scope guard";
    button.setAttribute("aria-expanded", String(S.whyOpen.has(whyKey(chatId, message))));
    button.addEventListener("click", () => toggleWhy(chatId, message, question));
    return button;
  }

  function whyPanel(chatId, message) {
    const key = whyKey(chatId, message);
    const panel = el("pre", "why", S.why.get(key) || "…");
    panel.hidden = !S.whyOpen.has(key);
    return panel;
  }

  async function toggleWhy(chatId, message, question) {
    const key = whyKey(chatId, message);
    if (S.whyOpen.delete(key)) {
      showMessage(chatId, message.message_id, { quiet: true });
      return;
    }
    S.whyOpen.add(key);
    showMessage(chatId, message.message_id, { quiet: true });
    if (S.why.has(key)) return;
    try {
      const result = await call("/_playground/explain", { text: question });
      S.why.set(key, result.text);
    } catch (error) {
      S.whyOpen.delete(key);
      toast(error.message, "error");
    }
    showMessage(chatId, message.message_id, { quiet: true });
  }

  function quoteOf(chatId, replied) {
    const quote = el("button", "quote");
    quote.type = "button";
    quote.append(el("strong", "", senderName(replied)), el("span", "", plainPreview(replied)));
    quote.addEventListener("click", () => {
      const target = $("messages").querySelector(`.msg[data-mid="${Number(replied.message_id)}"]`);
      if (target) {
        target.scrollIntoView({ block: "center", behavior: "smooth" });
        flash(target);
      }
    });
    return quote;
  }

  function flash(node) {
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
  }

  // ---------------------------------------------------------------- inline keyboards
  const START_LINK = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/;

  function renderKeyboard(chatId, record, rows) {
    const keyboard = el("div", "keyboard");
    for (const buttons of rows) {
      const row = el("div", "keyboard-row");
      for (const button of buttons) row.append(keyboardButton(chatId, record, button));
      keyboard.append(row);
    }
    return keyboard;
  }

  function keyboardButton(chatId, record, button) {
    const start = button.url && START_LINK.exec(button.url);
    if (button.url && !(start && start[1].toLowerCase() === S.bot.username.toLowerCase())) {
      const a = link(button.url, "kb-button url");
      a.textContent = button.text;
      return a;
    }
    const node = el("button", "kb-button", button.text);
    node.type = "button";
    if (start) {
      node.classList.add("url");
      node.addEventListener("click", () => openPrivate(`/start ${start[2]}`));
    } else if (button.callback_data !== undefined) {
      node.dataset.callback = button.callback_data;
      node.addEventListener("click", () => press(chatId, record, button.callback_data, node));
    } else if (button.switch_inline_query_current_chat !== undefined) {
      node.addEventListener("click", () => startInline(button.switch_inline_query_current_chat));
    } else if (button.switch_inline_query !== undefined) {
      node.addEventListener("click", () => startInline(button.switch_inline_query));
    } else if (button.copy_text) {
      node.addEventListener("click", () => {
        navigator.clipboard?.writeText(button.copy_text.text);
        toast("Copied to the clipboard");
      });
    } else {
      node.disabled = true;
      node.title = "This kind of button is not simulated";
    }
    return node;
  }

  async function press(chatId, record, data, node) {
    const body = { user_id: S.me, callback_data: data };
    if (record.inlineId) body.inline_message_id = record.inlineId;
    else Object.assign(body, { chat_id: chatId, message_id: record.message.message_id });
    node.classList.add("pending");
    try {
      const { callback_query_id: id } = await call("/_local/press", body);
      S.pendingPress.set(id, node);
      setTimeout(() => settlePress(id), 15000);
    } catch (error) {
      node.classList.remove("pending");
      toast(error.message, "error");
    }
  }

  function settlePress(id) {
    const node = S.pendingPress.get(id);
    if (node) node.classList.remove("pending");
    S.pendingPress.delete(id);
  }

  // ---------------------------------------------------------------- rendering the page
  function renderChats() {
    const nav = $("chats");
    nav.replaceChildren();
    const entries = [
      { view: "private", id: S.me, title: S.bot.first_name, avatarId: S.bot.id },
      { view: "group", id: S.group.id, title: S.group.title, avatarId: S.group.id },
    ];
    for (const entry of entries) {
      const item = el("button", `chat-item${S.view === entry.view ? " active" : ""}`);
      item.type = "button";
      item.dataset.view = entry.view;
      const pic = el("span", "avatar");
      avatar(pic, entry.title, entry.avatarId);
      const text = el("span", "chat-item-text");
      const last = [...messagesOf(entry.id).values()].filter((r) => !r.deleted).pop();
      const preview = last ? `${isGroup(entry.id) ? `${senderName(last.message)}: ` : ""}${plainPreview(last.message)}` : "";
      text.append(el("span", "chat-item-title", entry.title), el("span", "chat-item-preview", preview));
      item.append(pic, text);
      const unread = S.unread.get(entry.id) || 0;
      if (unread && S.view !== entry.view) item.append(el("span", "badge", String(unread)));
      item.addEventListener("click", () => switchView(entry.view));
      nav.append(item);
    }
  }

  function renderHeader() {
    const chatId = currentChatId();
    const group = isGroup(chatId);
    const title = group ? S.group.title : S.bot.first_name;
    $("chat-name").textContent = title;
    avatar($("chat-avatar"), title, group ? S.group.id : S.bot.id);
    const typing = (S.typing.get(chatId) || 0) > Date.now();
    const privacy = S.privacy
      ? "privacy mode on: the bot sees /commands and replies to it"
      : "privacy mode off: the bot sees every message";
    const status = group ? `${S.people.length} people and @${S.bot.username} · ${privacy}` : `bot · @${S.bot.username}`;
    $("privacy").hidden = !group;
    $("privacy-mode").checked = S.privacy;
    $("chat-status").textContent = typing ? `${S.bot.first_name} is typing…` : status;
    $("chat-status").classList.toggle("typing", typing);
    $("input").placeholder = `Message as ${me().first_name}`;
  }

  function renderMessages() {
    const box = $("messages");
    const chatId = currentChatId();
    box.replaceChildren();
    for (const record of messagesOf(chatId).values()) box.append(renderMessage(chatId, record));
    box.scrollTop = box.scrollHeight;
  }

  function render() {
    renderChats();
    renderHeader();
    renderMessages();
  }

  function switchView(view) {
    S.view = view;
    S.unread.set(currentChatId(), 0);
    cancelReply();
    closeInline();
    document.body.classList.replace("show-list", "show-chat");
    render();
    $("input").focus();
  }

  // Shows a new or changed message if its chat is open, in place.
  function showMessage(chatId, messageId, { isNew = false, replay = false, quiet = false } = {}) {
    const record = messagesOf(chatId).get(messageId);
    if (!record) return;
    if (chatId !== currentChatId()) {
      if (isNew && !replay) S.unread.set(chatId, (S.unread.get(chatId) || 0) + 1);
      return;
    }
    if (replay) return;
    const box = $("messages");
    const old = box.querySelector(`.msg[data-mid="${messageId}"]`);
    const node = renderMessage(chatId, record);
    if (old) {
      old.replaceWith(node);
      if (!isNew && !quiet) flash(node);
      return;
    }
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    box.append(node);
    if (nearBottom || (record.message.from || {}).id === S.me) node.scrollIntoView({ block: "end" });
  }

  // ---------------------------------------------------------------- events
  function apply(event, replay) {
    switch (event.type) {
      case "user_message":
      case "bot_message": {
        const chatId = event.chat_id;
        const record = { message: event.message, delivered: event.type === "bot_message" || event.delivered };
        messagesOf(chatId).set(event.message_id, record);
        if (event.type === "bot_message") S.typing.delete(chatId);
        showMessage(chatId, event.message_id, { isNew: true, replay });
        break;
      }
      case "message_edited": {
        const record = event.chat_id && messagesOf(event.chat_id).get(event.message_id);
        if (!record) break;
        record.message = event.message;
        if (event.inline_message_id) record.inlineId = event.inline_message_id;
        showMessage(event.chat_id, event.message_id, { replay });
        break;
      }
      case "message_deleted": {
        const record = messagesOf(event.chat_id).get(event.message_id);
        if (record) record.deleted = true;
        showMessage(event.chat_id, event.message_id, { replay });
        break;
      }
      case "chosen_inline_result": {
        const id = event.chosen_inline_result.inline_message_id;
        const record = event.message && messagesOf(event.chat_id).get(event.message.message_id);
        if (record && id) {
          record.inlineId = id;
          showMessage(event.chat_id, event.message.message_id, { replay, quiet: true });
        }
        break;
      }
      case "callback_answer":
        settlePress(event.callback_query_id);
        if (!replay && event.text) {
          const who = event.user_id === S.me ? "" : ` (shown to ${fullName(person(event.user_id) || {})})`;
          toast(event.text + who, event.show_alert ? "alert" : "");
        }
        break;
      case "inline_answer":
        if (!replay && S.inline && S.inline.id === event.inline_query_id) showInlineResults(event);
        break;
      case "chat_action":
        if (!replay && event.action === "typing") {
          S.typing.set(event.chat_id, Date.now() + 5000);
          setTimeout(renderHeader, 5100);
        }
        break;
      case "knowledge_reloaded":
        showKnowledge(event, !replay);
        break;
      case "privacy_changed":
        S.privacy = event.privacy_mode;
        break;
      default:
        return;
    }
    if (!replay) {
      renderChats();
      renderHeader();
    }
  }

  async function follow() {
    for (;;) {
      const started = Date.now();
      try {
        const result = await call(`/_local/events?after=${S.lastEvent}&timeout=25`);
        for (const event of result.events) apply(event, false);
        S.lastEvent = result.last_event_id;
        setConnected(true);
        if (!result.events.length && Date.now() - started < 200) await sleep(500); // server closing
      } catch {
        setConnected(false);
        await sleep(2000);
      }
    }
  }

  function setConnected(connected) {
    const node = $("connection");
    node.textContent = connected ? "● live" : "● offline — is `faqbot playground` still running?";
    node.classList.toggle("offline", !connected);
  }

  // ---------------------------------------------------------------- knowledge notice
  function showKnowledge(info, fresh) {
    S.knowledge = { ...(S.knowledge || {}), ...info };
    const notice = $("notice");
    const text = $("notice-text");
    const problems = $("notice-problems");
    const k = S.knowledge;
    const live = k.live_reload ? "edits show up live" : "live reload off: press Reload after an edit";
    if (info.ok === false) {
      notice.className = "notice error";
      text.textContent = `An edit was not loaded: still answering from the last good version (${k.entries} entries).`;
    } else if (info.type === "knowledge_reloaded") {
      notice.className = "notice reloaded";
      const at = new Date((info.reloaded_at || info.date) * 1000).toLocaleTimeString();
      text.textContent = `Knowledge reloaded at ${at}: ${k.entries} entries, ${k.facts} facts.`;
    } else {
      notice.className = "notice";
      text.textContent = `Knowledge: ${k.entries} entries, ${k.facts} facts from ${k.directory} · ${live}.`;
    }
    problems.replaceChildren(...(info.problems || []).map((p) => el("li", "", p)));
    problems.hidden = !(info.problems || []).length;
    if (fresh) flash(notice);
  }

  async function reloadKnowledge() {
    const button = $("reload");
    button.disabled = true;
    try {
      const result = await call("/_playground/reload", {});
      if (result.reloaded) toast("Knowledge reloaded");
    } catch (error) {
      toast(error.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- sending
  async function send(text) {
    text = text.trim();
    if (!text) return;
    const body = { user_id: S.me, chat_id: currentChatId(), text };
    if (S.replyTo) body.reply_to_message_id = S.replyTo.message_id;
    try {
      await call("/_local/send", body);
      cancelReply();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function openPrivate(text) {
    switchView("private");
    send(text);
  }

  function startReply(chatId, message) {
    if (chatId !== currentChatId()) return;
    S.replyTo = message;
    $("reply-name").textContent = `Reply to ${senderName(message)}`;
    $("reply-text").textContent = plainPreview(message);
    $("reply-bar").hidden = false;
    $("input").focus();
  }

  function cancelReply() {
    S.replyTo = null;
    $("reply-bar").hidden = true;
  }

  // ---------------------------------------------------------------- inline mode
  let inlineTimer = null;

  function inlineQueryOf(text) {
    const match = new RegExp(`^@${S.bot.username}(?:\\s+([\\s\\S]*))?$`, "i").exec(text);
    return match ? (match[1] || "").trim() : null;
  }

  function startInline(query) {
    const input = $("input");
    input.value = `@${S.bot.username} ${query}`;
    input.focus();
    onInput();
  }

  function onInput() {
    const input = $("input");
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    const query = inlineQueryOf(input.value);
    clearTimeout(inlineTimer);
    if (query === null) {
      closeInline();
      return;
    }
    inlineTimer = setTimeout(() => askInline(query), 300);
  }

  async function askInline(query) {
    if (S.inline && S.inline.query === query) return;
    const panel = $("inline-results");
    panel.hidden = false;
    panel.replaceChildren(el("div", "inline-hint", query ? "Searching…" : `Type a question after @${S.bot.username}`));
    S.inline = { id: null, query };
    if (!query) return;
    try {
      const chatType = S.view === "group" ? S.group.type : "sender";
      const { inline_query_id: id } = await call("/_local/inline", { user_id: S.me, query, chat_type: chatType });
      if (S.inline && S.inline.query === query) S.inline.id = id;
    } catch (error) {
      panel.replaceChildren(el("div", "inline-hint", error.message));
    }
  }

  function showInlineResults(answer) {
    const panel = $("inline-results");
    panel.replaceChildren();
    panel.hidden = false;
    if (answer.button && answer.button.start_parameter) {
      const start = el("button", "inline-start", answer.button.text);
      start.type = "button";
      start.addEventListener("click", () => {
        closeInline();
        $("input").value = "";
        openPrivate(`/start ${answer.button.start_parameter}`);
      });
      panel.append(start);
    }
    if (!answer.results.length) panel.append(el("div", "inline-hint", "No results"));
    for (const result of answer.results) {
      const item = el("button", "inline-result");
      item.type = "button";
      item.setAttribute("role", "option");
      item.dataset.id = result.id;
      item.append(el("strong", "", result.title || result.id));
      if (result.description) item.append(el("span", "", result.description));
      item.addEventListener("click", () => chooseInline(answer.inline_query_id, result.id));
      panel.append(item);
    }
  }

  async function chooseInline(queryId, resultId) {
    closeInline();
    $("input").value = "";
    try {
      await call("/_local/choose_inline", {
        user_id: S.me, inline_query_id: queryId, result_id: resultId, chat_id: currentChatId(),
      });
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function closeInline() {
    S.inline = null;
    $("inline-results").hidden = true;
  }

  // ---------------------------------------------------------------- command menu
  async function toggleCommands() {
    const menu = $("commands");
    if (!menu.hidden) {
      menu.hidden = true;
      return;
    }
    const state = await call("/_local/state").catch(() => null);
    if (!state) return;
    // Telegram's order: the narrowest scope the bot set wins; per scope, the user's language first.
    const chatId = currentChatId();
    const admin = S.view === "group" && S.me === S.ownerId;
    const scopes = S.view === "group"
      ? [`chat_member:${chatId}:${S.me}`, ...(admin ? [`chat_administrators:${chatId}`] : []), `chat:${chatId}`,
        ...(admin ? ["all_chat_administrators"] : []), "all_group_chats", "default"]
      : [`chat:${chatId}`, "all_private_chats", "default"];
    const languages = speaksChinese(me()) ? ["zh", ""] : [""];
    let commands = [];
    for (const scope of scopes) {
      for (const language of languages) {
        const found = state.commands.find((c) => c.scope === scope && c.language_code === language);
        if (found && !commands.length) commands = found.commands;
      }
    }
    menu.replaceChildren();
    for (const command of commands) {
      const item = el("button", "command-item");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.append(el("strong", "", `/${command.command}`), el("span", "", command.description));
      item.addEventListener("click", () => {
        menu.hidden = true;
        send(`/${command.command}`);
      });
      menu.append(item);
    }
    if (!commands.length) menu.append(el("div", "inline-hint", "The bot has set no commands"));
    menu.hidden = false;
  }

  // ---------------------------------------------------------------- toasts
  function toast(text, kind = "") {
    const node = el("div", `toast ${kind}`.trim());
    node.setAttribute("role", kind === "alert" ? "alertdialog" : "status");
    node.append(el("span", "", text));
    const close = () => node.remove();
    if (kind === "alert") {
      const ok = el("button", "", "OK");
      ok.type = "button";
      ok.addEventListener("click", close);
      node.append(ok);
    } else {
      setTimeout(close, 4000);
    }
    $("toasts").append(node);
  }

  async function setPrivacy() {
    const box = $("privacy-mode");
    box.disabled = true;
    try {
      S.privacy = (await call("/_playground/privacy", { privacy_mode: box.checked })).privacy_mode;
      toast(S.privacy ? "Privacy mode on: the bot sees only what is meant for it"
        : "Privacy mode off: the bot sees every message in the group");
    } catch (error) {
      toast(error.message, "error");
    } finally {
      box.disabled = false;
      renderHeader();
    }
  }

  // ---------------------------------------------------------------- start
  function setUpControls() {
    const who = $("who");
    for (const p of S.people) {
      const option = el("option", "", `${fullName(p)} (${p.language_code})${p.id === S.ownerId ? " · admin" : ""}`);
      option.value = String(p.id);
      who.append(option);
    }
    who.addEventListener("change", () => {
      S.me = Number(who.value);
      cancelReply();
      closeInline();
      render();
    });
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("input");
      if (inlineQueryOf(input.value) !== null && S.inline) return; // pick a result instead
      send(input.value);
      input.value = "";
      onInput();
    });
    $("input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      } else if (event.key === "Escape") {
        cancelReply();
        closeInline();
        $("commands").hidden = true;
      }
    });
    $("input").addEventListener("input", onInput);
    $("reply-cancel").addEventListener("click", cancelReply);
    $("menu").addEventListener("click", toggleCommands);
    $("reload").addEventListener("click", reloadKnowledge);
    $("privacy-mode").addEventListener("change", setPrivacy);
    $("back").addEventListener("click", () => document.body.classList.replace("show-chat", "show-list"));
  }

  async function main() {
    const session = await call("/_playground/session");
    Object.assign(S, {
      bot: session.bot, people: session.people, ownerId: session.owner_id, group: session.group,
      me: session.people[0].id, privacy: session.privacy_mode !== false,
    });
    setUpControls();
    showKnowledge(session.knowledge, false);
    const history = await call("/_local/events?after=0");
    for (const event of history.events) apply(event, true);
    S.lastEvent = history.last_event_id;
    render();
    setConnected(true);
    document.body.dataset.ready = "true";
    follow();
  }

  main().catch((error) => {
    setConnected(false);
    toast(`The playground did not start: ${error.message}`, "alert");
  });
})();
