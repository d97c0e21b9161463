/* LibChat widget {{ widget_id }}: draws the button or tab, shows whether a librarian is online and
   opens the chat. Served as embed.js and, for pages written for Springshare's LibChat, through
   load_chat.php: it draws into either snippet's div and gives the button LibChat's id. The chat
   page runs in an iframe from LibChat's own origin; it tells this page when the status changes
   (postMessage), so the button follows within a second or two, and the token of the patron's
   chat, which this page keeps for it (see chatToken). */
(function () {
  "use strict";
  var config = {{ config|safe }};
  var flag = "libchatWidget" + config.id;
  if (window[flag]) return;
  window[flag] = true;
  var script = document.currentScript;
  var doc = document;

  // The button's words: the widget's language, or the first of the patron's browser languages
  // the script carries (es-MX finds es), as the chat page itself chooses.
  function chooseTexts() {
    var asked = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < asked.length; i++) {
      var code = String(asked[i]).toLowerCase();
      if (config.texts[code]) return config.texts[code];
      if (config.texts[code.split("-")[0]]) return config.texts[code.split("-")[0]];
    }
    return config.texts[config.fallbackLanguage] || config.texts[Object.keys(config.texts)[0]];
  }
  var texts = chooseTexts();

  function el(tag, css, attrs) {
    var node = doc.createElement(tag);
    if (css) node.style.cssText = css;
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    return node;
  }

  var font = "font:600 15px/1.2 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;";
  var colours = "background:" + config.colour + ";color:" + config.textColour + ";";
  var panelCss = {
    floating: "position:fixed;right:20px;bottom:80px;width:360px;max-width:calc(100vw - 40px);height:640px;max-height:calc(100vh - 110px);z-index:2147483646;box-shadow:0 8px 30px rgba(0,0,0,.25);border-radius:10px;overflow:hidden;background:#fff;",
    slide_out: "position:fixed;right:44px;top:15vh;width:360px;max-width:calc(100vw - 60px);height:640px;max-height:80vh;z-index:2147483646;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;",
    in_page: "width:100%;height:640px;max-height:calc(100vh - 40px);border:1px solid #ccd;border-radius:8px;overflow:hidden;",
    pop_out: "display:none;"
  }[config.kind];
  var toggleCss = {
    floating: "position:fixed;right:20px;bottom:20px;z-index:2147483647;border:0;border-radius:999px;padding:12px 20px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);",
    slide_out: "position:fixed;right:0;top:30vh;z-index:2147483647;border:0;border-radius:8px 0 0 8px;padding:16px 10px;cursor:pointer;writing-mode:vertical-rl;transform:rotate(180deg);",
    in_page: "margin:0 0 8px;padding:8px 12px;border-radius:6px;",
    pop_out: "display:inline-block;padding:10px 16px;border-radius:6px;text-decoration:none;"
  }[config.kind];

  var root = el("div", "", { "class": "libchat-widget", "data-libchat-widget": String(config.id), "data-status": "unknown" });
  var toggleTag = { floating: "button", slide_out: "button", in_page: "p", pop_out: "a" }[config.kind];
  var toggle = el(toggleTag, font + colours + toggleCss, { "class": "libchat-toggle" });
  var label = el("span");
  label.textContent = texts.title || config.title;
  var status = el("span", "font-weight:400;", { "class": "libchat-status", "aria-live": "polite" });
  var dot = el("span", "display:inline-block;width:.6em;height:.6em;border-radius:50%;margin-right:.4em;border:1px solid #fff;background:#a0aec0;", { "aria-hidden": "true" });
  toggle.appendChild(dot);
  toggle.appendChild(label);
  toggle.appendChild(doc.createTextNode(": "));
  toggle.appendChild(status);
  // Replies from the librarian while the panel is closed: how many, on the button and at the
  // front of the page's title ("(2) Catalogue"), until the patron opens it.
  var news = el("span", "display:none;margin-left:.5em;padding:0 .45em;border-radius:999px;background:#c53030;color:#fff;font-size:.85em;", { "class": "libchat-news" });
  news.textContent = texts.newReply;
  if (toggleTag === "button") {
    toggle.appendChild(doc.createTextNode(" "));
    toggle.appendChild(news);
  }

  // The token of the patron's chat, kept in this (first-party) page's sessionStorage, per tab and
  // per widget: a browser may refuse the third-party iframe storage of its own, so without this
  // a reload of the library's page, or its next page, would lose the chat. The iframe reads the
  // token from its URL fragment, which is never sent to a server.
  var chatToken = {
    key: "libchat-chat-" + config.id,
    get: function () {
      try { return window.sessionStorage.getItem(this.key); } catch (e) { return null; }
    },
    set: function (token) {
      try {
        if (token) window.sessionStorage.setItem(this.key, token);
        else window.sessionStorage.removeItem(this.key);
      } catch (e) { /* storage refused here too: the chat lasts as long as the iframe */ }
    }
  };
  // A random id for this patron, kept in this (the library's) site's localStorage and shared by
  // its pages and widgets, so the operator finds the patron's earlier chats when they gave no
  // email. It is all that is kept about them here; storage refused, there is none.
  function patronRef() {
    var key = "libchat-patron";
    try {
      var ref = window.localStorage.getItem(key);
      if (ref && /^[0-9a-f]{32}$/.test(ref)) return ref;
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      ref = Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
      window.localStorage.setItem(key, ref);
      return ref;
    } catch (e) { return null; }
  }

  // The iframe's URL fragment (never sent to a server by the browser): the patron's chat to
  // resume, the patron id, and the address of this page when the widget is set to send it. The
  // chat page sends the last two with the pre-chat form.
  var savedToken = chatToken.get();
  var ref = patronRef();
  var fragment = [];
  if (savedToken) fragment.push("chat=" + encodeURIComponent(savedToken));
  if (ref) fragment.push("patron=" + ref);
  if (config.sendPage) fragment.push("page=" + encodeURIComponent(window.location.href.split("#")[0]));
  var frameSrc = config.frameUrl + (fragment.length ? "#" + fragment.join("&") : "");

  var panel = el("div", panelCss, { "class": "libchat-panel", id: "libchat-panel-" + config.id });
  // display-capture: the patron may share their screen when a librarian offers a screenshare.
  var frame = el("iframe", "border:0;width:100%;height:100%;display:block;", {
    src: frameSrc, title: texts.title || config.title, allow: "display-capture"
  });
  panel.appendChild(frame);

  if (toggleTag === "button") {
    toggle.type = "button";
    toggle.id = config.buttonId;
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", panel.id);
    panel.hidden = true;
    toggle.addEventListener("click", function () {
      var opening = panel.hidden;
      invitation.done(); // the patron chose: no invitation after that
      setOpen(opening);
      // The cursor goes into the chat, at its first field (the frame picks it: it knows its state).
      if (opening) { frame.focus(); frame.contentWindow.postMessage({ libchat: "focus", widget: config.id }, config.origin); }
    });
    doc.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closeToButton();
    });
  } else if (toggleTag === "a") {
    toggle.href = frameSrc;
    toggle.target = "_blank";
    toggle.rel = "noopener";
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    toggle.addEventListener("click", function (event) {
      if (window.open(frameSrc, "libchat-" + config.id, "width=400,height=600")) event.preventDefault();
    });
  }

  // The invitation: after config.inviteAfter seconds on a page, while a librarian is Online and
  // no chat is open in this tab, the chat opens by itself and says the widget's invitation. The
  // cursor stays where the patron has it. Once per tab (sessionStorage, so on every page of this
  // site): invited, or having opened or closed the chat themselves, a patron is not asked again.
  var invitation = {
    key: "libchat-invited-" + config.id,
    asked: function () {
      try { return window.sessionStorage.getItem(this.key) === "1"; } catch (e) { return true; }
    },
    done: function () {
      try { window.sessionStorage.setItem(this.key, "1"); } catch (e) { /* private mode: fine */ }
    },
    due: false, // the seconds have passed: invite as soon as a librarian is Online
    open: function () {
      if (root.getAttribute("data-status") !== "online") { this.due = true; return; }
      this.due = false;
      if (!panel.hidden || this.asked() || chatToken.get()) return;
      this.done();
      setOpen(true);
      root.setAttribute("data-invited", "true");
      var tell = function () { frame.contentWindow.postMessage({ libchat: "invite", widget: config.id }, config.origin); };
      if (frameLoaded) tell(); else frame.addEventListener("load", tell, { once: true });
    }
  };
  var frameLoaded = false;
  frame.addEventListener("load", function () { frameLoaded = true; });
  if (toggleTag === "button" && config.inviteAfter > 0 && !savedToken && !invitation.asked()) {
    window.setTimeout(function () { invitation.open(); }, config.inviteAfter * 1000);
  }

  // Escape, on the library's page or inside the chat (embedder.js tells it): closed, and the
  // cursor back on the button.
  function closeToButton() {
    if (panel.hidden) return;
    setOpen(false);
    toggle.focus();
  }

  var unread = 0;
  var pageTitle = null; // the page's own title while ours is in front of it

  function unreadShow() {
    if (unread) {
      news.textContent = unread === 1 ? texts.newReply : texts.newReplies.replace("%(count)s", unread);
      news.style.display = "inline-block";
      if (pageTitle === null) pageTitle = doc.title;
      doc.title = "(" + unread + ") " + pageTitle;
    } else {
      news.style.display = "none";
      // The page's title back, unless the page changed it meanwhile.
      if (pageTitle !== null && /^\(\d+\) /.test(doc.title)) doc.title = pageTitle;
      pageTitle = null;
    }
  }

  function setOpen(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open && unread) { unread = 0; unreadShow(); }
  }

  function show(online) {
    root.setAttribute("data-status", online ? "online" : "offline");
    status.textContent = online ? texts.online : texts.offline;
    dot.style.background = online ? "#38a169" : "#a0aec0";
    if (online && invitation.due) invitation.open();
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== config.origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.widget !== config.id) return;
    if (data.libchat === "widget_status") show(Boolean(data.online));
    else if (data.libchat === "operator_reply") { if (panel.hidden && toggleTag === "button") { unread += 1; unreadShow(); } }
    else if (data.libchat === "close") { if (toggleTag === "button") closeToButton(); }
    else if (data.libchat === "chat_token" && (data.token === null || /^[\w-]{20,100}$/.test(data.token))) chatToken.set(data.token);
  });

  function mount() {
    root.appendChild(toggle);
    root.appendChild(panel);
    var container = null;
    for (var i = 0; i < config.containerIds.length && !container; i++) container = doc.getElementById(config.containerIds[i]);
    if (container) container.appendChild(root);
    else if (script && script.parentNode && script.parentNode !== doc.head) script.parentNode.insertBefore(root, script);
    else doc.body.appendChild(root);
  }

  if (doc.body) mount();
  else doc.addEventListener("DOMContentLoaded", mount);

  if (window.fetch) {
    fetch(config.statusUrl, { mode: "cors", credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && root.getAttribute("data-status") === "unknown") show(Boolean(data.online)); })
      .catch(function () {});
  }
})();
