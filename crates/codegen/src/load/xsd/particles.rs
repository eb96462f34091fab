//! Model groups: `sequence`/`choice`/`all`, `xs:any`, and `xs:group ref` (replaced by the
//! group's particle).

use super::Builder;
use crate::load::dom::El;
use crate::load::ns::XSD;
use crate::model::{Compositor, Particle, ParticleItem, QName};

impl Builder<'_, '_> {
    pub(super) fn compositor(el: El<'_>) -> Option<Compositor> {
        if el.ns() != XSD {
            return None;
        }
        match el.local() {
            "sequence" => Some(Compositor::Sequence),
            "choice" => Some(Compositor::Choice),
            "all" => Some(Compositor::All),
            _ => None,
        }
    }

    /// A `sequence`/`choice`/`all` element.
    pub(super) fn particle(&mut self, unit: usize, el: El<'_>, kind: Compositor) -> Particle {
        let (min, max) = self.occurs(el);
        let mut items = Vec::new();
        for child in el.children() {
            if let Some(k) = Self::compositor(child) {
                items.push(ParticleItem::Group(self.particle(unit, child, k)));
                continue;
            }
            if child.ns() != XSD {
                self.warn(
                    format!(
                        "unknown particle `{{{}}}{}` skipped",
                        child.ns(),
                        child.local()
                    ),
                    child,
                );
                continue;
            }
            match child.local() {
                "element" => {
                    if let Some(e) = self.local_element(unit, child) {
                        items.push(ParticleItem::Element(e));
                    }
                }
                "group" => {
                    if let Some(p) = self.group_ref(unit, child) {
                        items.push(ParticleItem::Group(p));
                    }
                }
                "any" => {
                    let (min, max) = self.occurs(child);
                    items.push(ParticleItem::Any { min, max });
                }
                "annotation" => {}
                other => self.warn(format!("unsupported particle xs:{other} skipped"), child),
            }
        }
        Particle {
            kind,
            min,
            max,
            items,
        }
    }

    /// The content particle among `el`'s children (a compositor or a group ref).
    pub(super) fn content_particle(&mut self, unit: usize, el: El<'_>) -> Option<Particle> {
        for child in el.children() {
            if let Some(k) = Self::compositor(child) {
                return Some(self.particle(unit, child, k));
            }
            if child.is(XSD, "group") {
                return self.group_ref(unit, child);
            }
        }
        None
    }

    /// `xs:group ref=`: the group's particle with the reference's occurrence.
    pub(super) fn group_ref(&mut self, unit: usize, el: El<'_>) -> Option<Particle> {
        let Some(r) = el.attr("ref") else {
            self.warn("local xs:group without ref skipped", el);
            return None;
        };
        let q = self.qname(unit, el, r)?;
        let (min, max) = self.occurs(el);
        match self.group_particle(&q) {
            Some(mut p) => {
                p.min = min;
                p.max = max;
                Some(p)
            }
            None => {
                let why = if self.index.groups.contains_key(&q) {
                    "recursive"
                } else {
                    "unknown"
                };
                self.warn(format!("reference to {why} group {q} skipped"), el);
                None
            }
        }
    }

    pub(super) fn group_particle(&mut self, q: &QName) -> Option<Particle> {
        if let Some(p) = self.groups.get(q) {
            return p.clone();
        }
        let c = *self.index.groups.get(q)?;
        self.groups.insert(q.clone(), None);
        let p =
            c.el.children()
                .find_map(|child| Self::compositor(child).map(|k| (child, k)))
                .map(|(child, k)| {
                    let mut p = self.particle(c.unit, child, k);
                    p.min = 1;
                    p.max = Some(1);
                    p
                })
                .unwrap_or(Particle {
                    kind: Compositor::Sequence,
                    min: 1,
                    max: Some(1),
                    items: vec![],
                });
        self.groups.insert(q.clone(), Some(p.clone()));
        Some(p)
    }
}
