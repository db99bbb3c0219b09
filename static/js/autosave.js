/* Save each answer as soon as it changes, and show that it was saved.
   The section form works without this script: it then saves when a button is pressed. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  // After a refused save, start keyboard and screen-reader users at the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  if (!form || !window.fetch || !window.FormData) { return; }
  document.documentElement.classList.add("js");
  var url = form.getAttribute("data-autosave");
  var timers = {};

  function fieldsetOf(el) { return el.closest("fieldset[data-question]"); }

  function toggleJustification(fieldset) {
    var na = fieldset.querySelector("input[type=radio][value=not_applicable]");
    var box = fieldset.querySelector(".na-justification");
    if (box && na) { box.classList.toggle("when-na", !na.checked); }
  }

  function setState(fieldset, text, kind) {
    var state = fieldset.querySelector(".save-state");
    state.textContent = text;
    state.className = "save-state small " + (kind || "");
  }

  // Questions with a saved rating, as the server counts them: "not applicable" counts once
  // its reason is saved, which is the only way it gets saved.
  function savedRating(fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  }
  fieldsets().forEach(function (fieldset) { fieldset.dataset.saved = savedRating(fieldset); });

  function fieldsets() { return form.querySelectorAll("fieldset[data-question]"); }

  // Counted as the server counts (scoring.answer_counts): a question marked not applicable
  // counts neither as applicable nor as answered. Questions the profile sets aside have no
  // fields and never count.
  function showProgress() {
    var answered = 0, applicable = 0;
    fieldsets().forEach(function (fieldset) {
      var saved = fieldset.dataset.saved;
      if (saved === "not_applicable") { return; }
      applicable += 1;
      if (saved) { answered += 1; }
    });
    form.querySelectorAll("[data-progress]").forEach(function (el) {
      el.textContent = el.getAttribute("data-progress")
        .replace("{answered}", answered).replace("{applicable}", applicable);
    });
    var bar = form.querySelector("progress.section-progress");
    if (bar) { bar.max = Math.max(applicable, 1); bar.value = answered; }
  }

  function save(fieldset) {
    var key = fieldset.getAttribute("data-question");
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("autosave", key);
    fieldset.querySelectorAll("input, textarea").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    setState(fieldset, form.getAttribute("data-saving") || "Saving…");
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.json().then(function (body) { return [response.status, body]; }); })
      .then(function (result) {
        var status = result[0], body = result[1];
        if (status === 200 && body.status === "saved") {
          fieldset.querySelector("input[name$='-revision']").value = body.revision;
          fieldset.querySelector("input[name$='-seen']").value = body.seen;
          setState(fieldset, body.message, "saved");
          fieldset.dataset.saved = savedRating(fieldset);
          showProgress();
        } else if (body.message) {
          setState(fieldset, body.message, "failed");
        } else if (body.errors) {
          setState(fieldset, Object.values(body.errors).map(function (e) { return e.join(" "); }).join(" "), "failed");
        } else {
          setState(fieldset, form.getAttribute("data-failed"), "failed");
        }
      })
      .catch(function () { setState(fieldset, form.getAttribute("data-failed"), "failed"); });
  }

  form.addEventListener("change", function (event) {
    var fieldset = fieldsetOf(event.target);
    if (!fieldset) { return; }
    toggleJustification(fieldset);
    clearTimeout(timers[fieldset.id]);
    var na = fieldset.querySelector("input[type=radio][value=not_applicable]");
    var why = fieldset.querySelector(".na-justification textarea");
    if (na && na.checked && why && !why.value.trim()) {
      // Wait for the reason: saving now could only be refused.
      setState(fieldset, form.getAttribute("data-na-hint"), "");
      return;
    }
    timers[fieldset.id] = setTimeout(function () { save(fieldset); }, 300);
  });
  form.querySelectorAll("fieldset[data-question]").forEach(toggleJustification);
})();
