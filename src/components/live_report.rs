//! The live report of a running check or detection: the form carries a fresh run id; while its
//! action runs, the page polls the events of that run and shows each step as it finishes.
//! Without JavaScript there is no run id and the final report simply arrives with the page.

use crate::api::progress::check_progress;
use crate::i18n::{t, tf, use_lang};
use crate::model::check::{ProgressEvent, Side};
use leptos::prelude::*;

/// A new run id (browser only).
fn new_run_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        (0..4)
            .map(|_| format!("{:08x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32))
            .collect::<Vec<_>>()
            .join("-")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// The hidden `run_id` field of a form, renewed after every run of its action.
#[component]
pub fn RunIdField(run_id: RwSignal<String>) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        let id = run_id.get();
        if let Some(el) = input.get() {
            el.set_value(&id);
        }
    });
    Effect::new(move |_| run_id.set(new_run_id()));
    view! { <input node_ref=input type="hidden" name="run_id" value=""/> }
}

/// While `pending`, the events of run `run_id`, polled every 300 ms.
#[component]
pub fn LiveReport(run_id: RwSignal<String>, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    let lang = use_lang();
    let events: RwSignal<Vec<ProgressEvent>> = RwSignal::new(Vec::new());
    let polling: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    Effect::new(move |was_pending: Option<bool>| {
        let now = pending.get();
        if now && was_pending != Some(true) {
            events.set(Vec::new());
            let id = run_id.get_untracked();
            let last = StoredValue::new(-1i64);
            let busy = StoredValue::new(false);
            let handle = set_interval_with_handle(
                move || {
                    if busy.get_value() {
                        return;
                    }
                    busy.set_value(true);
                    let id = id.clone();
                    leptos::task::spawn_local(async move {
                        if let Ok(new) = check_progress(id, last.get_value()).await {
                            if let Some((seq, _)) = new.last() {
                                last.set_value(*seq);
                            }
                            events.update(|all| all.extend(new.into_iter().map(|(_, e)| e)));
                        }
                        busy.set_value(false);
                    });
                },
                std::time::Duration::from_millis(300),
            )
            .ok();
            polling.set_value(handle);
        }
        if !now && was_pending == Some(true) {
            if let Some(handle) = polling.get_value() {
                handle.clear();
            }
            polling.set_value(None);
            // The next run gets its own id.
            run_id.set(new_run_id());
        }
        now
    });
    move || {
        pending.get().then(|| {
            let lines = events.get();
            view! {
                <div class="live-report" role="status" aria-live="polite">
                    <p class="muted">{t(lang, "report.running")}</p>
                    <ul class="report">
                        {lines.into_iter().map(|event| view! { <EventLine event/> }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

#[component]
fn EventLine(event: ProgressEvent) -> impl IntoView {
    let lang = use_lang();
    let (ok, name, detail, millis) = match event {
        ProgressEvent::Method(m) => (m.found, t(lang, m.method.key()).to_string(), m.detail, m.millis),
        ProgressEvent::Step(s) => {
            let side = match s.side {
                Side::Outgoing => t(lang, "report.outgoing"),
                Side::Incoming => t(lang, "report.incoming"),
            };
            (s.ok, format!("{side}: {}", t(lang, s.step.key())), s.detail, s.millis)
        }
    };
    view! {
        <li class=if ok { "ok" } else { "bad" }>
            <span class="mark" aria-hidden="true">{if ok { "✓" } else { "–" }}</span>
            <span class="step-name">{name}</span>
            {detail.map(|d| view! { <span class="muted">{d}</span> })}
            <span class="time">{tf(lang, "report.millis", &[("n", &millis.to_string())])}</span>
        </li>
    }
}
