//! The Arabic block (U+0600–U+06FF) as UTF-8 bytes, for the loops that read
//! Arabic text a byte at a time (the folds, the word count, the search's
//! words): each of its characters is two bytes, a lead byte from
//! [`FIRST_LEAD`] to [`LAST_LEAD`] and a continuation byte, and no other
//! character starts with those leads.

/// The lead byte of U+0600: `110_11000`.
pub const FIRST_LEAD: u8 = 0xD8;
/// The lead byte of U+06FF: `110_11011`.
pub const LAST_LEAD: u8 = 0xDB;

/// The first code point of the block.
pub const START: usize = 0x600;

/// The place in the block (0 to 0xFF) of the character whose UTF-8 bytes
/// are `lead` (from [`FIRST_LEAD`] to [`LAST_LEAD`]) and `next` (a
/// continuation byte, `10yy_yyyy`): the lead's two low bits, then the
/// continuation's six.
#[inline(always)]
pub const fn offset(lead: u8, next: u8) -> usize {
    ((lead & 0x03) as usize) << 6 | (next & 0x3F) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_the_block_and_only_those_has_a_lead_and_its_offset() {
        for code in 0u32..0x1_0000 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let led = (FIRST_LEAD..=LAST_LEAD).contains(&bytes[0]);
            assert_eq!(led, (0x600..0x700).contains(&code), "U+{code:04X}");
            if led {
                assert_eq!(bytes.len(), 2);
                assert_eq!(START + offset(bytes[0], bytes[1]), code as usize);
            }
        }
    }
}
