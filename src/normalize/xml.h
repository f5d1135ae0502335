/*
 * xml.h - XML text in rule output (private to src/normalize/): entity decoding, used for
 * "*_xml" values and the values of split documents, and the "<name>_xmlflat" splitter that
 * turns an XML document as ePO sends it into fields. map.c calls the splitter for a top-level
 * string whose key ends in "_xmlflat".
 *
 * The splitter's grammar (the @xmlnode type and repeat epo.rulebase had). The value is the
 * document after its first '<', which the rule matches as literal text ("EPOEvents:
 * <%doc_xmlflat:rest%"). It is read as a flat sequence of tags, whatever the element order
 * and nesting:
 *   - an optional XML declaration "?xml...>" directly followed by '<'; if the document
 *     does not fit that way, it is read again with the declaration as a tag;
 *   - then tags, each after the previous one's '>' and optional whitespace, then '<';
 *     after the last one only whitespace may follow. A tag that fits none of the forms
 *     below, anything but whitespace between two tags, or anything else after the last
 *     tag, means the document does not split: the line is not matched.
 * Whitespace is C's isspace() and rsyslog's escapes of TAB, LF, CR ("#011" "#012" "#015"),
 * so a pretty-printed document a relay escaped splits; the declaration may be followed by
 * whitespace too.
 * Tag forms, tried in this order at the byte after a '<':
 *   1. "/...>"                       a closing tag: nothing;
 *   2. "T>text</...>"                a leaf: field snake_case(T) = text;
 *      "T>"                          (not followed by "</...>") an opening tag: nothing;
 *      "T a=\"v\" b=\"w\">" + 2.      attributes: fields t.a, t.b (after the leaf's field);
 *      "T/>", "T a=\"v\"/>"          an empty element: attributes only;
 *      T runs to the first ' ', '/' or '>'; attributes are separated by one space and
 *      double-quoted; an attribute name runs to the next '=' (wherever that is);
 *   3. "...>"                        anything else up to '>' (declarations, comments,
 *                                    processing instructions, DOCTYPE): nothing.
 * Values are entity-decoded (cg_nz_xml_decode), and "#011" "#012" "#015" in them become TAB,
 * LF, CR (any other "#NNN" stays: it stands for a character XML does not allow). A
 * DOCTYPE's internal subset "[...]" leaves a ']' after a tag, so such a document does not
 * split. Text after an opening tag that is
 * not a leaf's is skipped, and a document cut short inside a text still splits. A separator
 * directly followed by a NUL byte does not separate (scan.h, nz_lit); other NUL bytes are data.
 */
#ifndef CEFGUARD_NZ_XML_H
#define CEFGUARD_NZ_XML_H

#include "map.h"

/* Copies s[0..n) into the arena a, decoding XML entities: the five predefined ones and
 * character references to legal XML characters (written as UTF-8). Anything else ("&nbsp;",
 * an entity a DOCTYPE might define, a malformed or illegal reference) is kept verbatim:
 * definitions are never expanded. *out is the copy, never longer than n. False when out of
 * memory. */
bool cg_nz_xml_decode(struct cg_arena *a, const char *s, size_t n, struct cg_str *out);

/* Splits the document s[0..n) (after its first '<') into fields added through m (map.h).
 *
 * In:  s[0..n), untrusted bytes: any length, NUL bytes allowed, not NUL-terminated. Values
 *      are views into s, so s must live as long as m->ev (map.c copies it into the event's
 *      arena first).
 * Out: the fields in the order of the text, at most the event's field limit (the rest in
 *      limit_dropped, duplicate keys in dup_dropped): a leaf's key is snake_case(T) ("subject"
 *      becomes "subject_"), an attribute's snake_case(T) '.' snake_case(a), at most
 *      NZ_KEY_MAX + 1 bytes, in m->ev->arena. A value is a view into s when its text has no
 *      '&' and no '#', else its decoded copy in the arena; no value is longer than its text.
 * Reads no byte outside s[0..n); never recurses; time and memory linear in n (a document
 * that does not fit with its declaration is read twice). The memo and the cache of m change
 * only the speed, never the fields.
 * Returns CG_OK; NZ_NOMATCH when the document does not split; CG_ENOMEM. On either of those
 * the fields (their count and drop counters) are as they were before the call; the arena is
 * not given back. */
int cg_nz_xml_flatten(struct nz_map *m, const char *s, size_t n);

#endif
