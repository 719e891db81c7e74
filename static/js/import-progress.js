'use strict';
// An import's page while a worker checks or imports the file (admin/uses/import_job.html).
// Without a script the page says how far the work had got, with a link to the latest; with this
// one it follows the work by itself, once a second, and shows the outcome when the work is done.
// From the site's own origin, it runs under the strict Content-Security-Policy.
{
    const box = document.querySelector('[data-progress-url]');
    if (box) {
        const bar = box.querySelector('progress');
        const text = box.querySelector('[role="status"]');
        const show = (state) => {
            if (state.total !== null) {
                bar.max = Math.max(state.total, 1);
                bar.value = state.done;
                bar.hidden = false;
            }
            text.textContent = state.text;
        };
        const poll = async () => {
            try {
                const response = await fetch(box.dataset.progressUrl, {
                    headers: {Accept: 'application/json'},
                    credentials: 'same-origin',
                });
                if (response.ok) {
                    const state = await response.json();
                    if (!state.working) {
                        window.location.reload();  // the outcome: the preview, or the problems
                        return;
                    }
                    show(state);
                }
            } catch (error) {
                // The server could not be reached this time: try again.
            }
            window.setTimeout(poll, 1000);
        };
        window.setTimeout(poll, 1000);
    }
}
