// The Playground: streamed chat through /playground/chat (session + CSRF) and the
// equivalent curl / openai-Python code for the current settings. Each reply shows its
// tokens (from the usage chunk the stream ends with), time to first token, total time
// and cost (the model's price per 1K tokens, as metering charges it).
(function () {
  "use strict";
  var root = document.getElementById("playground");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var history = [];
  var controller = null;

  function csrfToken() { return document.querySelector("#pg-form [name=csrfmiddlewaretoken]").value; }

  function params() {
    var p = { model: $("pg-model").value, temperature: parseFloat($("pg-temperature").value),
              top_p: parseFloat($("pg-top-p").value) };
    var max = parseInt($("pg-max-tokens").value, 10);
    if (!isNaN(max)) p.max_tokens = max;
    var seed = parseInt($("pg-seed").value, 10);
    if (!isNaN(seed)) p.seed = seed;
    var stop = $("pg-stop").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    if (stop.length) p.stop = stop;
    return p;
  }

  function messages(extra) {
    var list = [];
    var system = $("pg-system").value.trim();
    if (system) list.push({ role: "system", content: system });
    return list.concat(history, extra || []);
  }

  // Ask for the last chunk with the token usage (OpenAI's stream_options).
  var STREAM = { stream: true, stream_options: { include_usage: true } };

  function renderCode() {
    var body = Object.assign(params(), { messages: messages() }, STREAM);
    if (!body.messages.length) body.messages = [{ role: "user", content: "Hello!" }];
    var base = root.dataset.apiBase;
    $("pg-curl").textContent = "curl " + base + "/chat/completions \\\n" +
      "  -H \"Authorization: Bearer $ATRIUM_API_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n" +
      "  -d '" + JSON.stringify(body, null, 2).replace(/'/g, "'\\''") + "'";
    var kw = ["    model=" + JSON.stringify(body.model), "    messages=" + pyLiteral(body.messages)];
    ["temperature", "top_p", "max_tokens", "seed"].forEach(function (k) { if (body[k] !== undefined) kw.push("    " + k + "=" + body[k]); });
    if (body.stop) kw.push("    stop=" + pyLiteral(body.stop));
    kw.push("    stream=True", "    stream_options=" + pyLiteral(body.stream_options));
    $("pg-python").textContent = "import os\nfrom openai import OpenAI\n\nclient = OpenAI(\n    base_url=" +
      JSON.stringify(base) + ",\n    api_key=os.environ[\"ATRIUM_API_KEY\"],\n)\n\nstream = client.chat.completions.create(\n" +
      kw.join(",\n") + ",\n)\nfor chunk in stream:\n    if chunk.choices:\n        print(chunk.choices[0].delta.content or \"\", end=\"\")\n";
  }

  function pyLiteral(value) {
    return JSON.stringify(value).replace(/\btrue\b/g, "True").replace(/\bfalse\b/g, "False").replace(/\bnull\b/g, "None");
  }

  function bubble(role, text) {
    var div = document.createElement("div");
    div.className = "mb-2 pg-msg pg-" + role;
    var who = document.createElement("div");
    who.className = "small fw-semibold text-body-secondary";
    who.textContent = role;
    var content = document.createElement("div");
    content.className = "pg-content";
    content.textContent = text;
    div.appendChild(who); div.appendChild(content);
    var pane = $("pg-messages");
    pane.appendChild(div);
    pane.scrollTop = pane.scrollHeight;
    return content;
  }

  // The pane follows a streaming reply unless the reader has scrolled up to read.
  function follow(update) {
    var pane = $("pg-messages");
    var atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 24;
    update();
    if (atBottom) pane.scrollTop = pane.scrollHeight;
  }

  function seconds(ms) { return ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(2) + " s"; }

  // The reply's tokens, timings and cost, under its bubble.
  function showMetrics(bubbleContent, m) {
    var metrics = $("pg-metrics-template").content.firstElementChild.cloneNode(true);
    var cost = (m.prompt + m.completion) * m.price / 1000;
    var values = { prompt: m.prompt, completion: m.completion, ttft: m.ttft === null ? "–" : seconds(m.ttft),
                   total: seconds(m.total), cost: cost.toFixed(6) };
    Object.keys(values).forEach(function (name) {
      metrics.querySelector("[data-metric=" + name + "]").textContent = values[name];
    });
    metrics.dataset.promptTokens = m.prompt; metrics.dataset.completionTokens = m.completion;
    metrics.dataset.ttftMs = m.ttft === null ? "" : Math.round(m.ttft); metrics.dataset.totalMs = Math.round(m.total);
    metrics.dataset.cost = cost.toFixed(6);
    follow(function () { bubbleContent.parentNode.appendChild(metrics); });
  }

  function showError(message) { var e = $("pg-error"); e.textContent = message; e.classList.remove("d-none"); }

  async function send(text) {
    $("pg-error").classList.add("d-none");
    var userMessage = { role: "user", content: text };
    bubble("user", text);
    var out = bubble("assistant", "");
    var body = Object.assign(params(), { messages: messages([userMessage]) }, STREAM);
    controller = new AbortController();
    $("pg-send").disabled = true; $("pg-stop-btn").disabled = false;
    var reply = "";
    var started = performance.now(), firstToken = null, usage = null;
    var option = $("pg-model").selectedOptions[0];
    var price = option ? parseFloat(option.dataset.price) || 0 : 0;
    try {
      var response = await fetch(root.dataset.chatUrl, {
        method: "POST", signal: controller.signal, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body) });
      if (!response.ok) {
        var err = await response.json().catch(function () { return {}; });
        // A non-JSON 403 is Django's CSRF page: the session's token went stale.
        var stale = response.status === 403 && !err.error ? root.dataset.staleSession : "";
        throw new Error((err.error && err.error.message) || stale || ("HTTP " + response.status));
      }
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      for (;;) {
        var part = await reader.read();
        if (part.done) break;
        buffer += decoder.decode(part.value, { stream: true });
        var events = buffer.split("\n\n");
        buffer = events.pop();
        events.forEach(function (event) {
          var data = event.replace(/^data: /, "");
          if (!data || data === "[DONE]") return;
          var chunk = JSON.parse(data);
          if (chunk.error) { showError(chunk.error.message); return; }
          if (chunk.usage) usage = chunk.usage;
          (chunk.choices || []).forEach(function (c) {
            if (c.index === 0 && c.delta && c.delta.content) {
              if (firstToken === null) firstToken = performance.now() - started;
              reply += c.delta.content;
              follow(function () { out.textContent = reply; });
            }
          });
        });
      }
      history.push(userMessage, { role: "assistant", content: reply });
      if (usage) {
        showMetrics(out, { prompt: usage.prompt_tokens, completion: usage.completion_tokens, ttft: firstToken,
                           total: performance.now() - started, price: price });
      }
    } catch (e) {
      if (e.name !== "AbortError") showError(e.message);
      else history.push(userMessage, { role: "assistant", content: reply });
    } finally {
      controller = null;
      $("pg-send").disabled = false; $("pg-stop-btn").disabled = true;
      root.dataset.state = "idle";
      renderCode();
    }
  }

  $("pg-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("pg-input").value.trim();
    if (!text || controller) return;
    $("pg-input").value = "";
    root.dataset.state = "streaming";
    send(text);
  });
  $("pg-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("pg-form").requestSubmit(); }
  });
  $("pg-stop-btn").addEventListener("click", function () { if (controller) controller.abort(); });
  $("pg-clear").addEventListener("click", function () { history = []; $("pg-messages").innerHTML = ""; renderCode(); });
  ["pg-model", "pg-system", "pg-temperature", "pg-top-p", "pg-max-tokens", "pg-seed", "pg-stop"].forEach(function (id) {
    $(id).addEventListener("input", function () {
      $("pg-temperature-out").textContent = $("pg-temperature").value;
      $("pg-top-p-out").textContent = $("pg-top-p").value;
      renderCode();
    });
  });
  function clampMaxTokens() {
    var opt = $("pg-model").selectedOptions[0];
    if (!opt || !opt.dataset.maxTokens) return;
    var max = parseInt(opt.dataset.maxTokens, 10);
    $("pg-max-tokens").max = max;
    $("pg-max-tokens").value = Math.min(parseInt($("pg-max-tokens").value, 10) || 64, max);
  }
  $("pg-model").addEventListener("change", function () { clampMaxTokens(); renderCode(); });
  clampMaxTokens();
  renderCode();
  root.dataset.state = "idle";
})();
