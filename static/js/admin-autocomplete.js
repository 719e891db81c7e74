'use strict';
// The admin's autocomplete widgets (Select2 4.0.13, as Django ships it) leave out what a screen
// reader needs, and axe fails them (tests/test_browser.py): the search boxes have no label, a
// combobox with nothing chosen has no name, an open one points to its list with aria-owns but
// not aria-controls, and the "×" that clears the choice, a span only a mouse can use, sits inside
// the list of choices. Each widget takes the name of its field's own <label>. No stylesheet or
// template can say this; a script from the site's own origin runs under the strict CSP.
{
    const $ = window.django && window.django.jQuery;
    const named = new WeakSet();

    const name = (select2, labelId) => {
        const $selection = select2.$selection;
        // A single choice: the combobox reads as the label then the choice, and the read-only
        // textbox that shows the choice has the label's name too (it has none while empty).
        const $chosen = $selection.find('.select2-selection__rendered[id]');
        $chosen.attr('aria-labelledby', labelId);
        $selection.attr('aria-labelledby', [labelId, $chosen.attr('id')].join(' ').trim());
        $selection.add(select2.$dropdown).find('.select2-search__field')
            .attr('aria-labelledby', labelId);
        $selection.find('.select2-selection__clear').attr('aria-hidden', 'true');
        const list = $selection.attr('aria-owns');
        if (list) {
            $selection.attr('aria-controls', list);
        } else {
            $selection.removeAttr('aria-controls');
        }
    };

    const nameWidget = (select) => {
        const select2 = $(select).data('select2');
        const label = select.id && document.querySelector(`label[for="${select.id}"]`);
        if (!select2 || !label || named.has(select2)) {
            return;
        }
        named.add(select2);
        label.id ||= `${select.id}_label`;
        const repair = () => name(select2, label.id);
        // Select2 redraws the choices on every update (some come after the change event) and
        // sets aria-owns on opening: listening after its own listeners repairs what it drew.
        ['selection:update', 'open', 'close'].forEach((event) => select2.on(event, repair));
        repair();
    };

    if ($) {
        // After Django's own handlers, which make the widgets: on load and for each inline row.
        const nameAll = () => $('select.admin-autocomplete').each((index, select) => nameWidget(select));
        $(nameAll);
        document.addEventListener('formset:added', nameAll);
    }
}
