// Keyboard shortcuts of the conversation page: r focuses the reply, e resolves, a assigns to me, Esc goes back to the inbox.
// Letters are ignored while typing in a field; Esc there only leaves the field.
export function registerShortcuts(page) {
    const handler = event => {
        const target = event.target;
        const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
        if (event.key === 'Escape') {
            if (typing) {
                target.blur();
            } else if (!document.querySelector('.mud-overlay, .mud-popover-open')) {
                event.preventDefault();
                page.invokeMethodAsync('OnShortcut', 'back');
            }
            return;
        }
        if (typing || event.ctrlKey || event.metaKey || event.altKey) {
            return;
        }
        if (event.key === 'r') {
            event.preventDefault();
            document.getElementById('reply-box')?.focus();
        } else if (event.key === 'e' || event.key === 'a') {
            event.preventDefault();
            page.invokeMethodAsync('OnShortcut', event.key === 'e' ? 'resolve' : 'assign');
        }
    };
    document.addEventListener('keydown', handler);
    return { dispose: () => document.removeEventListener('keydown', handler) };
}
