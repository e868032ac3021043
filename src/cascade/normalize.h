#pragma once
// Text as the cascade's fast tiers see it, so that trivial obfuscation does not slip past them:
// Unicode NFKC (fullwidth and mathematical letters become plain ones), case folding, accents and
// other combining marks removed, zero-width and other format characters (ZWJ, ZWSP, soft hyphen,
// bidi marks) removed, common look-alike letters from Cyrillic and Greek folded to Latin, and
// whitespace runs collapsed to one space. Invalid UTF-8 becomes U+FFFD first.
//
// Leetspeak and spacing ("k1ll", "k i l l") are caught where literals are compiled
// (rule_set.h): each letter of a literal also matches its look-alike digits and symbols, with
// optional separators between letters. Folding them here would corrupt the digits that
// regexes and the fast classifier rely on.

#include <string>
#include <string_view>

namespace arbiter::cascade {

std::string normalize(std::string_view text);

}  // namespace arbiter::cascade
