// The edit builder, where script runs: drag a pick by its head onto another pick and it
// moves to that pick's place, through the builder's "move" form (the page's CSRF token
// with it). Without script the Move up / Move down buttons do the same, and keyboard users
// keep them.
(function () {
  'use strict';
  var form = document.getElementById('move-form');
  if (!form) {
    return;
  }
  var dragged = null;
  var picks = document.querySelectorAll('.pick[data-position]');
  Array.prototype.forEach.call(picks, function (pick) {
    var head = pick.querySelector('.pick-head');
    if (!head) {
      return;
    }
    head.draggable = true;
    head.classList.add('pick-handle');
    head.addEventListener('dragstart', function (event) {
      dragged = pick;
      pick.classList.add('dragging');
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', pick.dataset.product);
    });
    head.addEventListener('dragend', function () {
      pick.classList.remove('dragging');
      dragged = null;
    });
    pick.addEventListener('dragover', function (event) {
      if (dragged && dragged !== pick) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        pick.classList.add('drop-target');
      }
    });
    pick.addEventListener('dragleave', function () {
      pick.classList.remove('drop-target');
    });
    pick.addEventListener('drop', function (event) {
      event.preventDefault();
      pick.classList.remove('drop-target');
      if (!dragged || dragged === pick) {
        return;
      }
      form.elements.product.value = dragged.dataset.product;
      form.elements.to.value = pick.dataset.position;
      form.submit();
    });
  });
})();
