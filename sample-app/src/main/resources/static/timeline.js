// The live timeline: polls /api/timeline and draws each recent group as lanes of task bars.
(function () {
  'use strict';
  const timeline = document.getElementById('timeline');
  const answer = document.getElementById('last-answer');

  document.querySelectorAll('#scenarios button').forEach(function (button) {
    button.addEventListener('click', function () {
      const started = performance.now();
      answer.textContent = 'GET ' + button.dataset.url + ' …';
      fetch(button.dataset.url)
        .then(function (response) {
          return response.text().then(function (body) {
            const ms = Math.round(performance.now() - started);
            answer.textContent = 'GET ' + button.dataset.url + ' → ' + response.status + ' in ' + ms + ' ms: '
              + body.slice(0, 160);
            answer.dataset.status = String(response.status);
          });
        })
        .catch(function (error) { answer.textContent = String(error); })
        .finally(refresh);
      setTimeout(refresh, 150);
    });
  });

  function extent(group, range) {
    range.from = Math.min(range.from, group.openedAt);
    range.to = Math.max(range.to, group.closedAt || Date.now());
    group.tasks.forEach(function (t) { if (t.finished) { range.to = Math.max(range.to, t.finished); } });
    group.children.forEach(function (c) { extent(c, range); });
    return range;
  }

  function render(group, range) {
    const span = Math.max(range.to - range.from, 1);
    const pct = function (t) { return ((t - range.from) / span * 100).toFixed(3) + '%'; };
    const box = document.createElement('section');
    box.className = 'group';
    box.dataset.group = group.name;
    const head = document.createElement('div');
    head.className = 'group-head';
    const took = group.closedAt ? Math.round(group.closedAt - group.openedAt) + ' ms' : 'open';
    head.innerHTML = '<b></b><span></span><span class="bad"></span>';
    head.children[0].textContent = group.name;
    head.children[1].textContent = took + (group.limit ? ' · limit ' + group.limit : '') + ' · '
      + group.tasks.length + ' tasks';
    const failedTasks = group.tasks.filter(function (t) { return t.outcome === 'failed'; }).length;
    head.children[2].textContent = group.failure
      ? (failedTasks > 0 ? 'failed: ' : 'cancelled: ') + group.failure : '';
    box.appendChild(head);
    const lanes = document.createElement('div');
    lanes.className = 'lanes';
    group.tasks.forEach(function (t) {
      const track = document.createElement('div');
      track.className = 'track';
      const bar = document.createElement('div');
      bar.className = 'bar ' + t.outcome;
      bar.dataset.outcome = t.outcome;
      const start = t.started || t.spawned || group.openedAt;
      const end = t.finished || Date.now();
      bar.style.left = pct(start);
      bar.style.width = 'calc(' + pct(end) + ' - ' + pct(start) + ')';
      const name = t.name || ('#' + t.index);
      bar.title = 'task ' + name + ': ' + t.outcome + (t.thread ? ' on ' + t.thread : '')
        + (t.error ? ' — ' + t.error : '') + ' (' + Math.round(end - start) + ' ms)';
      track.appendChild(bar);
      const label = document.createElement('span');
      label.className = 'label';
      // A named task (S38) is labelled by its name; an unnamed one by its index and thread, as before.
      label.textContent = t.name || ('#' + t.index + (t.thread ? ' ' + t.thread : ''));
      label.dataset.task = name;
      track.appendChild(label);
      lanes.appendChild(track);
    });
    if (group.cancelledAt) {
      const line = document.createElement('div');
      line.className = 'cancel-line';
      line.style.left = pct(group.cancelledAt);
      line.title = 'cancelled: ' + group.cancelCause;
      lanes.appendChild(line);
    }
    box.appendChild(lanes);
    group.children.forEach(function (child) { box.appendChild(render(child, range)); });
    return box;
  }

  function refresh() {
    fetch('/api/timeline').then(function (r) { return r.json(); }).then(function (groups) {
      timeline.replaceChildren();
      if (groups.length === 0) {
        const p = document.createElement('p');
        p.className = 'empty';
        p.textContent = 'No group yet: press a button.';
        timeline.appendChild(p);
      }
      groups.forEach(function (group) {
        timeline.appendChild(render(group, extent(group, { from: Infinity, to: -Infinity })));
      });
    }).catch(function () { /* the next poll will try again */ });
  }

  refresh();
  setInterval(refresh, 1000);
}());
