//! A struct serialized with some of its fields only: how a list's teasers
//! are given to a template that reads a few of their fields (see
//! [`reads::fields_read`](super::reads::fields_read)).

use serde::ser::{Error, Impossible, Serialize, SerializeStruct, Serializer};

/// `value`, a struct, serialized with only its fields named in `fields`.
/// Serializing anything but a struct fails.
pub struct Only<'a, T: ?Sized> {
    pub value: &'a T,
    pub fields: &'a [String],
}

impl<T: Serialize + ?Sized> Serialize for Only<'_, T> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Fields {
            inner: ser,
            fields: self.fields,
        })
    }
}

/// The serializer of an [`Only`]: `inner`, given only the fields named.
struct Fields<'a, S> {
    inner: S,
    fields: &'a [String],
}

/// The struct being serialized, with the fields not named left out.
struct Kept<'a, S> {
    inner: S,
    fields: &'a [String],
}

impl<S: SerializeStruct> SerializeStruct for Kept<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        if self.fields.iter().any(|f| f == key) {
            self.inner.serialize_field(key, value)?;
        }
        Ok(())
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

/// The error of serializing anything but a struct with [`Only`].
fn not_a_struct<E: Error>() -> E {
    E::custom("only the fields of a struct can be chosen")
}

/// Methods of [`Serializer`] that fail: anything but a struct.
macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<S::Ok, S::Error> {
            Err(not_a_struct())
        })*
    };
}

impl<'a, S: Serializer> Serializer for Fields<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Kept<'a, S::SerializeStruct>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Kept {
            inner: self
                .inner
                .serialize_struct(name, len.min(self.fields.len()))?,
            fields: self.fields,
        })
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(not_a_struct())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Story {
        title: &'static str,
        date: (u32, u32),
        terms: Vec<&'static str>,
    }

    #[test]
    fn a_struct_keeps_the_fields_named() {
        let story = Story {
            title: "عنوان",
            date: (2024, 12),
            terms: vec!["سوريا"],
        };
        let fields = ["date".to_string(), "title".to_string(), "none".to_string()];
        let only = serde_json::to_value(Only {
            value: &story,
            fields: &fields,
        })
        .unwrap();
        assert_eq!(
            only,
            serde_json::json!({"title": "عنوان", "date": [2024, 12]})
        );
        let none = serde_json::to_value(Only {
            value: &story,
            fields: &[],
        });
        assert_eq!(none.unwrap(), serde_json::json!({}));
        let not_a_struct = serde_json::to_value(Only {
            value: &story.terms,
            fields: &fields,
        });
        assert!(not_a_struct.is_err());
    }
}
