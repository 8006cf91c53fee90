// A small renderer of the APL the skill's screens use, for the device page: an approximation
// of what an Echo Show draws, not Amazon's renderer. It knows the components the documents use
// (Frame, Container with data, Text, TouchWrapper, ScrollView, layouts with parameters), the
// documents' resources and styles with their `when` conditions, dp and % sizes, `when` and
// `display` on components, and the expression language as far as the documents need it
// (paths, numbers, strings, arithmetic, comparisons, && || !, ?:, Math.*, @resources). Text
// that reads the device's clock (utcTime, localTime) is updated by `tick`, so a countdown runs
// on the page's clock without a request. Every string goes in with textContent.
"use strict";

const Apl = (() => {
  // --- expressions ------------------------------------------------------------------------
  const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(@?[A-Za-z_][\w]*)|(===|!==|==|!=|<=|>=|&&|\|\||[-+*\/%<>!?:.,()\[\]]))/y;

  function tokens(source) {
    const out = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < source.length) {
      const start = TOKEN.lastIndex;
      const m = TOKEN.exec(source);
      if (!m) {
        if (/^\s*$/.test(source.slice(start))) break;
        throw new Error("cannot read expression: " + source);
      }
      if (m[1] !== undefined) out.push({ t: "num", v: Number(m[1]) });
      else if (m[2] !== undefined) out.push({ t: "str", v: m[2].slice(1, -1).replace(/\\(.)/g, "$1") });
      else if (m[3] !== undefined) out.push({ t: "id", v: m[3] });
      else if (m[4] !== undefined) out.push({ t: "op", v: m[4] });
    }
    return out;
  }

  const BINARY = [["||"], ["&&"], ["==", "!=", "===", "!=="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]];
  const MATH = { floor: Math.floor, ceil: Math.ceil, round: Math.round, max: Math.max, min: Math.min, abs: Math.abs };

  function parse(source) {
    const list = tokens(source);
    let at = 0;
    const peek = () => list[at];
    const isOp = (v) => peek() && peek().t === "op" && peek().v === v;
    const expect = (v) => { if (!isOp(v)) throw new Error("expected " + v + " in " + source); at++; };

    function primary() {
      const token = list[at++];
      if (!token) throw new Error("unexpected end of " + source);
      if (token.t === "num" || token.t === "str") return () => token.v;
      if (token.t === "op" && token.v === "(") { const inner = ternary(); expect(")"); return inner; }
      if (token.t === "op" && (token.v === "-" || token.v === "!")) {
        const operand = unary();
        return token.v === "-" ? (s) => -operand(s) : (s) => !operand(s);
      }
      if (token.t === "id") {
        if (token.v === "true" || token.v === "false") return () => token.v === "true";
        if (token.v === "null") return () => null;
        if (token.v.startsWith("@")) { const name = token.v.slice(1); return (s) => s.resources[name]; }
        if (token.v === "Math" && isOp(".")) {
          at++;
          const fn = MATH[list[at++].v];
          expect("(");
          const args = [];
          while (!isOp(")")) { args.push(ternary()); if (isOp(",")) at++; }
          expect(")");
          return (s) => fn(...args.map((a) => Number(a(s))));
        }
        const name = token.v;
        return (s) => s.lookup(name);
      }
      throw new Error("unexpected " + token.v + " in " + source);
    }

    function postfix() {
      let value = primary();
      while (isOp(".") || isOp("[")) {
        if (isOp(".")) {
          at++;
          const key = list[at++].v;
          const base = value;
          value = (s) => { const o = base(s); return o == null ? undefined : o[key]; };
        } else {
          at++;
          const index = ternary();
          expect("]");
          const base = value;
          value = (s) => { const o = base(s); return o == null ? undefined : o[index(s)]; };
        }
      }
      return value;
    }

    function unary() { return postfix(); }

    function binary(level) {
      if (level === BINARY.length) return unary();
      let left = binary(level + 1);
      while (peek() && peek().t === "op" && BINARY[level].includes(peek().v)) {
        const op = list[at++].v;
        const l = left, r = binary(level + 1);
        left = {
          "||": (s) => l(s) || r(s), "&&": (s) => l(s) && r(s),
          "==": (s) => l(s) == r(s), "!=": (s) => l(s) != r(s),
          "===": (s) => l(s) === r(s), "!==": (s) => l(s) !== r(s),
          "<": (s) => l(s) < r(s), ">": (s) => l(s) > r(s),
          "<=": (s) => l(s) <= r(s), ">=": (s) => l(s) >= r(s),
          "+": (s) => l(s) + r(s), "-": (s) => l(s) - r(s),
          "*": (s) => l(s) * r(s), "/": (s) => l(s) / r(s), "%": (s) => l(s) % r(s),
        }[op];
      }
      return left;
    }

    function ternary() {
      const test = binary(0);
      if (!isOp("?")) return test;
      at++;
      const yes = ternary();
      expect(":");
      const no = ternary();
      return (s) => (test(s) ? yes(s) : no(s));
    }

    const result = ternary();
    if (at !== list.length) throw new Error("unexpected " + list[at].v + " in " + source);
    return result;
  }

  const cache = new Map();
  function compiled(source) {
    if (!cache.has(source)) cache.set(source, parse(source));
    return cache.get(source);
  }

  // A property value: "${...}" alone keeps its type; text with ${...} inside is a string;
  // "@name" is a resource.
  function evaluate(value, scope) {
    if (typeof value !== "string") return value;
    if (/^@[A-Za-z_]\w*$/.test(value)) return scope.resources[value.slice(1)];
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole) return compiled(whole[1])(scope);
    if (!value.includes("${")) return value;
    return value.replace(/\$\{([^}]*)\}/g, (_, expr) => {
      const result = compiled(expr)(scope);
      return result === undefined || result === null ? "" : String(result);
    });
  }

  const readsClock = (value) => typeof value === "string" && /utcTime|localTime/.test(value);

  // --- scopes -----------------------------------------------------------------------------
  function scope(parent, names) {
    return {
      resources: parent.resources, screen: parent.screen, clock: parent.clock,
      lookup(name) {
        if (Object.prototype.hasOwnProperty.call(names, name)) return names[name];
        return parent.lookup(name);
      },
    };
  }

  function rootScope(doc, datasources, screen, clock) {
    const globals = {
      viewport: screen.viewport,
      environment: { aplVersion: "approximation" },
    };
    const s = {
      resources: {}, screen, clock,
      lookup(name) {
        if (name === "utcTime") return clock();
        if (name === "localTime") return clock() - new Date().getTimezoneOffset() * 60000;
        if (name === "payload") return datasources;
        return globals[name];
      },
    };
    for (const block of doc.resources || []) {
      if (block.when !== undefined && !evaluate(block.when, s)) continue;
      for (const kind of ["colors", "dimensions", "numbers", "strings", "booleans"]) {
        Object.assign(s.resources, block[kind] || {});
      }
    }
    return s;
  }

  // --- sizes and colours ------------------------------------------------------------------
  function size(value, s) {
    value = evaluate(value, s);
    if (value === undefined || value === null || value === "auto") return null;
    if (typeof value === "number") return value * s.screen.scale + "px";
    const text = String(value).trim();
    let m;
    if ((m = /^(-?[\d.]+)dp$/.exec(text)) || (m = /^(-?[\d.]+)$/.exec(text))) {
      return Number(m[1]) * s.screen.scale + "px";
    }
    if ((m = /^(-?[\d.]+)px$/.exec(text))) return Number(m[1]) * s.screen.scale * 160 / s.screen.viewport.dpi + "px";
    if ((m = /^(-?[\d.]+)vw$/.exec(text))) return Number(m[1]) + "%";
    if ((m = /^(-?[\d.]+)vh$/.exec(text))) return Number(m[1]) + "%";
    if ((m = /^(-?[\d.]+)%$/.exec(text))) return Number(m[1]) + "%";
    return null;
  }

  const FLEX = { start: "flex-start", end: "flex-end", center: "center", stretch: "stretch",
    spaceBetween: "space-between", spaceAround: "space-around" };

  // --- components ---------------------------------------------------------------------------
  function Renderer(doc, datasources, screen, onEvent, clock) {
    this.doc = doc;
    this.onEvent = onEvent;
    this.live = [];
    this.root = rootScope(doc, datasources, screen, clock);
  }

  Renderer.prototype.props = function (component, s) {
    // A component's properties: its style's values (with their conditions), then its own.
    const merged = {};
    const style = component.style && (this.doc.styles || {})[evaluate(component.style, s)];
    for (const block of (style && style.values) || []) {
      if (block.when !== undefined) continue;  // state conditions (pressed…): not drawn here
      Object.assign(merged, block);
    }
    return Object.assign(merged, component);
  };

  Renderer.prototype.render = function (component, s, parentDirection, first) {
    if (component.when !== undefined && !evaluate(component.when, s)) return null;
    const layout = (this.doc.layouts || {})[component.type];
    if (layout) return this.renderLayout(layout, component, s, parentDirection, first);
    const p = this.props(component, s);
    const node = document.createElement(p.type === "TouchWrapper" ? "button" : "div");
    node.className = "apl-" + p.type;
    node.dataset.aplType = p.type;
    if (p.id) node.dataset.aplId = String(evaluate(p.id, s));
    const display = evaluate(p.display, s);
    if (display === "none" || display === "invisible") node.style.display = "none";
    if (readsClock(p.display)) {
      this.live.push(() => { node.style.display = evaluate(p.display, s) === "none" ? "none" : ""; });
    }
    const css = node.style;
    for (const [key, prop] of [["width", "width"], ["height", "height"], ["minWidth", "minWidth"],
      ["maxWidth", "maxWidth"], ["paddingLeft", "paddingLeft"], ["paddingRight", "paddingRight"],
      ["paddingTop", "paddingTop"], ["paddingBottom", "paddingBottom"],
      ["borderRadius", "borderRadius"], ["borderWidth", "borderWidth"]]) {
      const value = size(p[key], s);
      if (value !== null) css[prop] = value;
    }
    if (p.borderWidth !== undefined) css.borderStyle = "solid";
    if (p.borderColor) css.borderColor = evaluate(p.borderColor, s);
    if (p.backgroundColor) css.backgroundColor = evaluate(p.backgroundColor, s);
    if (p.grow !== undefined) css.flexGrow = evaluate(p.grow, s);
    if (p.shrink !== undefined) css.flexShrink = evaluate(p.shrink, s);
    if (p.spacing !== undefined && !first) {
      const gap = size(p.spacing, s);
      if (gap) css[parentDirection === "row" ? "marginLeft" : "marginTop"] = gap;
    }
    switch (p.type) {
      case "Text": this.text(node, p, s); break;
      case "Container": this.container(node, p, s); break;
      case "TouchWrapper": this.touch(node, p, s); break;
      default: this.single(node, p, s);  // Frame, ScrollView: one child
    }
    if (p.type === "ScrollView") css.overflowY = "auto";
    return node;
  };

  Renderer.prototype.renderLayout = function (layout, instance, s, parentDirection, first) {
    const names = {};
    for (const parameter of layout.parameters || []) {
      const name = typeof parameter === "string" ? parameter : parameter.name;
      const given = instance[name];
      names[name] = given !== undefined ? evaluate(given, s)
        : (typeof parameter === "object" ? parameter.default : undefined);
    }
    const inner = Object.assign({}, layout.item || (layout.items || [])[0]);
    for (const key of ["spacing", "width", "height", "grow", "shrink"]) {
      if (instance[key] !== undefined) inner[key] = instance[key];
    }
    const node = this.render(inner, scope(s, names), parentDirection, first);
    if (node) node.dataset.aplLayout = instance.type;
    return node;
  };

  Renderer.prototype.text = function (node, p, s) {
    const css = node.style;
    const fontSize = size(p.fontSize || "40dp", s);
    if (fontSize) css.fontSize = fontSize;
    if (p.color) css.color = evaluate(p.color, s);
    if (p.fontWeight) css.fontWeight = evaluate(p.fontWeight, s);
    if (p.textAlign) css.textAlign = { left: "left", right: "right", center: "center", auto: "start" }[evaluate(p.textAlign, s)] || "start";
    node.textContent = String(evaluate(p.text, s) ?? "");
    if (readsClock(p.text)) this.live.push(() => { node.textContent = String(evaluate(p.text, s) ?? ""); });
    if (readsClock(p.color)) this.live.push(() => { css.color = evaluate(p.color, s); });
  };

  Renderer.prototype.children = function (p, s) {
    // Items, or one copy of `item` per element of `data` (with `data` and `index` bound).
    const data = p.data !== undefined ? evaluate(p.data, s) : undefined;
    const template = p.item !== undefined ? p.item : p.items;
    if (Array.isArray(data)) {
      return data.map((element, index) => [Array.isArray(template) ? template[0] : template,
        scope(s, { data: element, index, length: data.length })]);
    }
    const items = evaluate(p.items !== undefined ? p.items : p.item, s);
    return (Array.isArray(items) ? items : items ? [items] : []).map((item) => [item, s]);
  };

  Renderer.prototype.container = function (node, p, s) {
    const direction = evaluate(p.direction, s) === "row" ? "row" : "column";
    const css = node.style;
    css.display = "flex";
    css.flexDirection = direction;
    css.alignItems = FLEX[evaluate(p.alignItems, s)] || "stretch";
    css.justifyContent = FLEX[evaluate(p.justifyContent, s)] || "flex-start";
    css.boxSizing = "border-box";
    let first = true;
    for (const [item, itemScope] of this.children(p, s)) {
      const child = this.render(item, itemScope, direction, first);
      if (child) { node.appendChild(child); first = false; }
    }
  };

  Renderer.prototype.single = function (node, p, s) {
    node.style.boxSizing = "border-box";
    node.style.display = node.style.display === "none" ? "none" : "flex";
    node.style.flexDirection = "column";
    const [pair] = this.children(p, s);
    if (!pair) return;
    const child = this.render(pair[0], pair[1], "column", true);
    if (child) node.appendChild(child);
  };

  Renderer.prototype.touch = function (node, p, s) {
    node.type = "button";
    this.single(node, p, s);
    const commands = Array.isArray(p.onPress) ? p.onPress : p.onPress ? [p.onPress] : [];
    node.addEventListener("click", () => {
      for (const command of commands) {
        if (command.type === "SendEvent") {
          this.onEvent((command.arguments || []).map((a) => evaluate(a, s)));
        }
      }
    });
  };

  // --- the screen -------------------------------------------------------------------------
  // Draws `directive` (a RenderDocument's document and data sources) into `host`, a screen of
  // `viewport` (APL's: width and height in dp, shape, mode) `cssWidth` CSS pixels wide.
  // Returns {tick}: call it to update what reads the clock.
  function show(host, directive, viewport, cssWidth, onEvent, clock) {
    const scale = cssWidth / viewport.width;
    const screen = { viewport, scale };
    host.replaceChildren();
    host.style.width = cssWidth + "px";
    host.style.height = viewport.height * scale + "px";
    const renderer = new Renderer(directive.document, directive.datasources, screen, onEvent, clock);
    const main = directive.document.mainTemplate || {};
    const names = {};
    for (const name of main.parameters || []) names[name] = directive.datasources;
    const s = scope(renderer.root, names);
    for (const item of [].concat(main.item || main.items || [])) {
      const node = renderer.render(item, s, "column", true);
      if (node) { node.style.width = "100%"; node.style.height = "100%"; host.appendChild(node); break; }
    }
    return { tick: () => renderer.live.forEach((update) => update()) };
  }

  return { show, evaluate, parse };
})();
