#include "support/tokenizer_corpus.h"

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace arbiter::test {

namespace {

// Sentences in many scripts, emoji, symbols, invisible and space characters. Case changes inside
// a word outside ASCII (the last line) make llama.cpp's gpt-4o pre-tokenizer split unlike
// tiktoken's (see tests/tiktoken/encode.mjs), though seldom with other ids.
constexpr std::string_view kScripts[] = {
    "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX! HelloWorld camelCase iPhone",
    "Ça va très bien, merci ! L'été dernier, nous sommes allés à la plage. Œuvre, cœur, Noël.",
    "Größe, Straße, übermäßig schön; ÄÖÜ äöü ß ẞ. Fußgängerübergänge",
    "Zażółć gęślą jaźń. Příliš žluťoučký kůň úpěl ďábelské ódy. Árvíztűrő tükörfúrógép.",
    "İstanbul'da ılık bir gün; ĞÜŞİÖÇ ğüşıöç. Știință și țară. Þórður á Íslandi.",
    "¿Dónde está el baño? ¡Olé! Ação, informação, coração. Tiếng Việt có dấu: Hà Nội, Đà Nẵng.",
    "Καλημέρα κόσμε· ΑΒΓΔ αβγδ ΆΈΉ ΐΰ. Η Ελλάδα είναι όμορφη.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю. ПРИВЕТ мир. Їжак ґава є. Љубав.",
    "Բարեւ աշխարհ։ გამარჯობა მსოფლიო. Сайн байна уу.",
    "你好，世界！今天天气很好。繁體中文測試：臺灣、香港。𠀀𠀁𠀂",
    "こんにちは世界。カタカナとひらがな、漢字。ｶﾀｶﾅ ﾊﾝｶｸ。東京都に住んでいます。",
    "안녕하세요 세계. 한국어 문장입니다. ㄱㄴㄷ ㅏㅑㅓ",
    "∀x∈ℝ: x² ≥ 0; ∑ᵢ aᵢ = ∞; √2 ≈ 1.414; ∫₀¹ f(x) dx; ¬(p ∧ q) ⇔ (¬p ∨ ¬q)",
    "© ® ™ § ¶ † ‡ • … ‰ € £ ¥ ₹ ₿ ¢ ° ± × ÷",
    "« » ‹ › „ “ ” ‘ ’ ‚ – — ― ‐",
    "┌──┬──┐ │  │  │ └──┴──┘ ▲▼◀▶ ★☆ ♠♣♥♦ ⠓⠑⠇⠇⠕ ＡＢＣ１２３！？ ᴀʙᴄ",
    "😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈",
    "🇫🇷🇯🇵🇺🇸 1️⃣ #️⃣ ❤️ ☺︎",
    "🤷‍♀️ 🧑🏿‍💻",
    "rtl\u200Fmark\u200Eltr, zero\u200Bwidth, joiner\u200Dnon\u200Cjoiner, soft\u00ADhyphen, "
    "word\u2060joiner",
    "bom\uFEFFinside, next\u0085line, line\u2028separator, paragraph\u2029separator",
    "no\u00A0break, em\u2003space, thin\u2009space, ideographic\u3000space, narrow\u202Fnbsp, "
    "ogham\u1680mark",
    "αβγΑΒΓ ñÑ éÉ ПриветМир straßeÄ ǅungla ǈj",
};

// Scripts whose words carry combining marks (Hebrew points, Arabic vowel marks, Indic scripts,
// Thai, Khmer, Myanmar, Tibetan, decomposed Latin): llama.cpp's pattern keeps the marks out of
// words, so their ids mostly differ from tiktoken's.
constexpr std::string_view kMarkedScripts[] = {
    "שלום עולם, מה שלומך? שָׁלוֹם עֲלֵיכֶם",
    "مرحبا بالعالم، كيف حالك؟ اَلسَّلَامُ عَلَيْكُمْ. سلام دنیا. ہیلو دنیا",
    "नमस्ते दुनिया, आप कैसे हैं? हिन्दी में लिखा गया पाठ।",
    "হ্যালো বিশ্ব। வணக்கம் உலகம். హలో ప్రపంచం. ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ. નમસ્તે. ಕನ್ನಡ. മലയാളം.",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ. ສະບາຍດີ. សួស្តីពិភពលោក. မင်္ဂလာပါ. ආයුබෝවන්.",
    "བཀྲ་ཤིས་བདེ་ལེགས། ሰላም ለዓለም። ᎣᏏᏲ. ᐊᐃᖓᐃ.",
    "Ẹ kú àárọ̀. e\u0301cole, cafe\u0301, n\u0303, Z\u0334\u0354a\u0336l\u0337g\u0338o\u0335",
};

constexpr std::string_view kEdgeCases[] = {
    "0",
    "12",
    "123",
    "1234",
    "12345",
    "12345678901234567890",
    "3.14159265358979",
    "-42",
    "+7",
    "1,000,000",
    "1.000.000,00",
    "+1 (555) 123-4567",
    "2024-06-01T12:34:56Z",
    "0xDEADBEEF",
    "6.022e23",
    "١٢٣٤٥ ۱۲۳ १२३४ ১২৩ １２３ ½ ¾ ² ³ Ⅻ ⑫",
    "v1.2.3-rc.4",
    "$9.99",
    "99%",
    "#1",
    "192.168.0.1:8080",
    "I'm",
    "you're",
    "they've",
    "we'll",
    "he'd",
    "it's",
    "DON'T",
    "I'M",
    "We'Re",
    "'s start",
    "rock'n'roll",
    "O'Brien's",
    "it’s curly",
    "'''",
    "''s",
    "x'S",
    "ĳ'll",
    "x  y",
    "x   y",
    "x\ty",
    "x\t\ty",
    "x \ty",
    "x\t y",
    "x\n",
    "\nx",
    "x\n\ny",
    "x\n \ny",
    "x \n y",
    "x\r\ny",
    "x\r\n\r\ny",
    "x\ry",
    "x \r\n y",
    "\r\n",
    " \r\n",
    "\r\n ",
    "x\f y",
    "x\v y",
    "x\f  y",
    "   leading",
    "trailing   ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\n\n\n",
    " \n \n ",
    "\u3000",
    "\u00A0\u00A0 x",
    "x\u3000 y",
    "x\u3000  y",
    "x\u2003  y",
    "x\u00A0  y",
    "x\u0085 y",
    "x\u0085  y",
    "x\uFEFF  y",
    "int main(int argc, char** argv) {\n    return argc > 1 ? 0 : 1;\n}\n",
    "def f(x):\n\tif x:\n\t\treturn [i ** 2 for i in range(x)]\n",
    "{\"key\": [1, 2.5, true, null], \"nested\": {\"a\": \"b\\n\"}}",
    "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
    "https://example.com/path/to/page?query=1&other=two#fragment",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+)$",
    "~~~***___```",
    "!!!!!!!!!!",
    "?\?!!..,,;;",
    "......",
    "-----",
    "=====",
    "//////",
    "\\\\\\",
    "<<<>>>",
    "@@##$$",
    "<|",
    "|>",
    "<||>",
    "< |start| >",
    "<|start|>",
    "<|end|><|start|>assistant<|channel|>final<|message|>0",
    "<|endofprompt|>",
    "<|reserved_200001|>",
    "<|startoftext|><|endoftext|><|return|><|constrain|><|call|>",
};

std::string repeat(std::string_view unit, size_t times) {
    std::string out;
    for (size_t i = 0; i < times; ++i) out += unit;
    return out;
}

// Appended rather than added up: gcc 12 warns falsely on "literal" + std::string (-Wrestrict).
std::string concat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (const std::string_view part : parts) out += part;
    return out;
}

// A small deterministic generator (xorshift64*), the same on every platform.
class Random {
public:
    explicit Random(unsigned seed) : state_(0x9E3779B97F4A7C15ULL ^ seed) {}
    size_t below(size_t n) {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return static_cast<size_t>((state_ * 0x2545F4914F6CDD1DULL) >> 33) % n;
    }

private:
    uint64_t state_;
};

// `text` cut into its whitespace-separated words and the whitespace between them.
void add_fragments(std::string_view text, std::vector<std::string>& out) {
    size_t start = 0;
    for (size_t i = 1; i <= text.size(); ++i) {
        if (i == text.size() || (text[i] == ' ') != (text[start] == ' ')) {
            out.emplace_back(text.substr(start, i - start));
            start = i;
        }
    }
}

}  // namespace

std::vector<std::string> script_samples() {
    std::vector<std::string> out(std::begin(kScripts), std::end(kScripts));
    out.insert(out.end(), std::begin(kMarkedScripts), std::end(kMarkedScripts));
    return out;
}

std::vector<std::string> edge_case_texts() {
    std::vector<std::string> out(std::begin(kEdgeCases), std::end(kEdgeCases));
    for (size_t n = 1; n <= 40; ++n) {
        for (const std::string_view space : {" ", "\t", "\n", "\r\n", "\u00A0", "\u3000"}) {
            out.push_back(concat({"word", repeat(space, n), "next"}));
            out.push_back(concat({repeat(space, n), "word"}));
            out.push_back(concat({"word", repeat(space, n)}));
        }
        out.push_back(concat({"a", repeat(" \n", n), "b"}));
    }
    // Long words and runs, up to 2,000 bytes: below the piece size, so each reaches the
    // tokenizer whole (and js-tiktoken's BPE, quadratic in a word's length, stays fast).
    const std::string_view letters = "abcdefghijklmnopqrstuvwxyz";
    for (const size_t n : {50, 200, 700, 2000}) {
        std::string word;
        for (size_t i = 0; i < n; ++i) word += letters[(i * 7 + i / 3) % letters.size()];
        out.push_back(word);
        out.push_back(concat({"The word ", word, " is long."}));
        out.push_back(repeat("a", n));
        out.push_back(repeat("9", n));
        out.push_back(repeat("!", n));
        out.push_back(concat({repeat(" ", n), "x"}));
        out.push_back(repeat("\n", n));
        out.push_back(repeat("中", n / 3));
        out.push_back(repeat("😀", n / 4));
        out.push_back(repeat("é", n / 2));
        out.push_back(repeat("ab1", n / 3));
        out.push_back(concat({"Supercalifragilisticexpialidocious", repeat("-ish", n / 4)}));
    }
    return out;
}

std::vector<std::string> mixed_texts(size_t count, unsigned seed) {
    std::vector<std::string> fragments;
    for (const std::string_view s : kScripts) add_fragments(s, fragments);
    for (const std::string_view s : kEdgeCases) add_fragments(s, fragments);
    std::vector<std::string> marked;
    for (const std::string_view s : kMarkedScripts) add_fragments(s, marked);
    const std::string_view joints[] = {" ", "", "  ", "\n", "\r\n", "\t", ", ", ". ", "'s ", "\n\n", "-"};
    Random random(seed);
    std::vector<std::string> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        // One text in ten takes the marked scripts' words too.
        const std::vector<std::string>& pool = i % 10 == 9 ? marked : fragments;
        std::string text;
        const size_t n = 1 + random.below(40);
        for (size_t k = 0; k < n; ++k) {
            text += k % 2 == 0 ? pool[random.below(pool.size())] : fragments[random.below(fragments.size())];
            text += joints[random.below(std::size(joints))];
        }
        out.push_back(std::move(text));
    }
    return out;
}

std::vector<std::string> piece_boundary_texts() {
    // The piece cutter looks back from byte 2048 for a place to cut; before the joint a run of one
    // character keeps it from finding one elsewhere, so it meets each joint at each offset from
    // 2040 to 2056.
    const std::string lead = concat({repeat("lorem ipsum dolor sit amet ", 80).substr(0, 1950), "x"});
    const std::string_view runs[] = {"x", "中"};
    const std::string_view joints[] = {
        " ",         "  ",       "   ",     "\t",       "\t ",      " \t",      "\n",   "\n ",  " \n",
        "\n\n",      "\r\n",     "\r\n ",   " \r\n",    "\r",       "\f ",      "\f  ", "\v  ", "\u00A0 ",
        "\u00A0  ",  "\u3000  ", "\u2003 ", "\u2003  ", "\u0085  ", "\uFEFF  ", ".",    ". ",   ",  ",
        "!? ",       "'s ",      "-",       "/",        "😀 ",       "中",       "é ",   "12 ",  "<|",
        "<|start|>", "x\u0301 ", ";\n//",   "\u1C8A,",  "\u1ACF,"};  // ";\n//" is one piece; U+1C8A, U+1ACF
                                                                     // are Unicode 16's (utf8proc's is 15)
    std::vector<std::string> out;
    for (const std::string_view joint : joints) {
        for (const std::string_view run : runs) {
            for (size_t at = 2040; at <= 2056; ++at) {
                std::string text = lead;
                while (text.size() < at) text += run;
                text += joint;
                text += "then the text goes on, in words and spaces, as ordinary text does.";
                out.push_back(std::move(text));
            }
        }
    }
    return out;
}

}  // namespace arbiter::test
