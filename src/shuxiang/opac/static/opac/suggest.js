/* The search box's suggestions (/suggest.json): an ARIA 1.2 combobox with a listbox.
   Typing asks the server (after a short pause); Down and Up move through the list
   (aria-activedescendant), Enter searches for the chosen words, Escape closes the list
   (and empties the box when it is already closed). Without this script the box is an
   ordinary search field. */
(function () {
  "use strict";

  function setup(box) {
    var input = box.querySelector("input[role=combobox]");
    var list = box.querySelector("[role=listbox]");
    var status = document.getElementById(box.getAttribute("data-status"));
    var url = box.getAttribute("data-suggest-url");
    var countText = box.getAttribute("data-count-text") || "{n}";
    var words = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function say(text) {
      if (status) status.textContent = text;
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      words = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function mark(index) {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      input.value = words[index];
      close();
      if (input.form.requestSubmit) input.form.requestSubmit();
      else input.form.submit();
    }

    function show(found) {
      list.textContent = "";
      words = found;
      active = -1;
      if (!found.length) {
        close();
        say("");
        return;
      }
      found.forEach(function (word, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = word;
        // mousedown, not click: the box keeps its focus, so the list is not closed first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
      say(countText.replace("{n}", String(found.length)));
    }

    function ask() {
      var typed = input.value.trim();
      if (!typed) {
        close();
        return;
      }
      var ticket = ++asked;
      fetch(url + "?q=" + encodeURIComponent(typed), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (found) {
          // Only the answer to the latest question counts.
          if (ticket === asked && document.activeElement === input) show(found || []);
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && words.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) ask();
        else mark(active + 1 >= words.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        mark(active <= 0 ? words.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
          say("");
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
        }
      }
    });
    input.addEventListener("blur", function () {
      clearTimeout(timer);
      close();
    });
  }

  var boxes = document.querySelectorAll("[data-suggest-url]");
  for (var i = 0; i < boxes.length; i++) setup(boxes[i]);
})();
