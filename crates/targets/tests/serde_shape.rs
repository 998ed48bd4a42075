//! The serde shape of `TargetSpec` (the `kind` tag, field names, defaults, unknown-field rejection), checked
//! with a tiny self-describing value deserializer so that no format crate is needed.

use serde::Deserialize;
use serde::de::value::{Error, MapDeserializer};
use serde::de::{Deserializer, IntoDeserializer, Visitor};
use spikelearn_targets::{
    ChaoticRateParams, OuInit, OuParams, Phases, ProductOfSinesParams, SinesParams, TargetSpec,
};

/// A TOML-like value tree.
#[derive(Clone)]
enum V {
    F(f64),
    S(&'static str),
    B(bool),
    M(Vec<(&'static str, V)>),
}

impl<'de> Deserializer<'de> for V {
    type Error = Error;
    fn deserialize_any<W: Visitor<'de>>(self, v: W) -> Result<W::Value, Error> {
        match self {
            V::F(x) => v.visit_f64(x),
            V::S(s) => v.visit_borrowed_str(s),
            V::B(b) => v.visit_bool(b),
            V::M(m) => {
                let mut map = MapDeserializer::new(m.into_iter());
                let out = v.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }
    fn deserialize_option<W: Visitor<'de>>(self, v: W) -> Result<W::Value, Error> {
        v.visit_some(self)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl IntoDeserializer<'_, Error> for V {
    type Deserializer = V;
    fn into_deserializer(self) -> V {
        self
    }
}

fn parse(fields: Vec<(&'static str, V)>) -> Result<TargetSpec, Error> {
    TargetSpec::deserialize(V::M(fields))
}

#[test]
fn kind_alone_gives_the_paper_defaults() {
    let cases = [
        ("sines", TargetSpec::Sines(SinesParams::default())),
        (
            "product_of_sines",
            TargetSpec::ProductOfSines(ProductOfSinesParams::default()),
        ),
        ("ou", TargetSpec::Ou(OuParams::default())),
        (
            "chaotic_rate",
            TargetSpec::ChaoticRate(ChaoticRateParams::default()),
        ),
    ];
    for (kind, want) in cases {
        let got = parse(vec![("kind", V::S(kind))]).unwrap();
        assert_eq!(got, want);
        assert_eq!(got.kind(), kind);
    }
}

#[test]
fn fields_override_defaults() {
    let got = parse(vec![
        ("kind", V::S("product_of_sines")),
        ("phases", V::S("common")),
        ("fixed_amp", V::F(0.1)),
        ("period2_min_ms", V::F(500.0)),
    ])
    .unwrap();
    assert_eq!(
        got,
        TargetSpec::ProductOfSines(ProductOfSinesParams {
            phases: Phases::Common,
            fixed_amp: Some(0.1),
            period2_min_ms: 500.0,
            ..ProductOfSinesParams::default()
        })
    );
    let got = parse(vec![
        ("kind", V::S("ou")),
        ("tau_c_ms", V::F(800.0)),
        ("standardize", V::B(true)),
        (
            "init",
            V::M(vec![("kind", V::S("zero")), ("transient_ms", V::F(1100.0))]),
        ),
    ])
    .unwrap();
    assert_eq!(
        got,
        TargetSpec::Ou(OuParams {
            tau_c_ms: 800.0,
            standardize: true,
            init: OuInit::Zero {
                transient_ms: 1100.0
            },
            ..OuParams::default()
        })
    );
}

#[test]
fn unknown_fields_and_kinds_are_rejected() {
    let err = parse(vec![("kind", V::S("ou")), ("tau_ms", V::F(1.0))]).unwrap_err();
    assert!(err.to_string().contains("tau_ms"), "{err}");
    assert!(parse(vec![("kind", V::S("sawtooth"))]).is_err());
    assert!(parse(vec![("amp_min", V::F(1.0))]).is_err());
    assert!(
        parse(vec![
            ("kind", V::S("ou")),
            ("init", V::M(vec![("kind", V::S("zero"))])),
        ])
        .is_err(),
        "zero init needs transient_ms"
    );
}
