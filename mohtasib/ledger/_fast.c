/*
 * mohtasib.ledger._fast: the ledger's per-record sealing loop in C (optional).
 *
 * seal_slice() computes, for one slice of access records, exactly what
 * mohtasib.ledger._sealworker.seal_documents() and leaves_and_hashes() compute in
 * Python (the reference implementation, which the tests compare it with byte for
 * byte): per record i, with salt = fresh[56i : 56i+32] and nonce = fresh[56i+32 : 56i+56],
 *
 *   commitment = SHA-256(salt || document)                      (_sealing module docstring)
 *   body       = prefix || nonce || crypto_box_easy_afternm(salt || document, nonce, key)
 *   leaf       = head || commitment || tails[index[i]]
 *   leaf hash  = SHA-256(0x00 || leaf)                           (RFC 9162 section 2.1.1)
 *
 * libsodium's crypto_box_easy_afternm (XSalsa20-Poly1305 under the batch's shared key)
 * and OpenSSL's SHA-256 do the work, with the GIL released for the whole loop, so a
 * thread of the appending process seals one slice while the interpreter serialises
 * the next and SQLite inserts the one before (docs/explanation/ledger.md, "Speed").
 * The output objects are allocated first, while the GIL is held, and filled while it
 * is released; no other thread can see them before the function returns.
 *
 * documents() writes the canonical JSON of access records and their ISO 8601 times, byte
 * for byte what AccessRecord.canonical_json and datetime.isoformat write (see its doc).
 * hash_pairs() hashes one level of the Merkle tree.
 *
 * Built by setup.py as an optional extension (a C compiler, libsodium and OpenSSL
 * headers); without it the Python loop seals, in a helper process where it can.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

/* What mohtasib/ledger/_native.py expects (its API_VERSION): a build of an older source
 * (the editable install's .so after a pull, before `make`) is refused there, not half used. */
#define API_VERSION 2
#define SALT_SIZE 32
#define NONCE_SIZE 24
#define FRESH_SIZE (SALT_SIZE + NONCE_SIZE)
#define DIGEST_SIZE 32

/* OpenSSL 3 looks the digest up in its providers on every EVP_DigestInit_ex given the
 * EVP_sha256() handle (an "implicit fetch", which took half the time of a record here);
 * fetched once, the handle is used as is. */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static EVP_MD *sha256_md = NULL;
#else
static const EVP_MD *sha256_md = NULL;
#endif

/* SHA-256 of a || b into out (32 bytes); 0 when OpenSSL fails. */
static int
sha256_pair(EVP_MD_CTX *ctx, const unsigned char *a, size_t a_len, const unsigned char *b,
            size_t b_len, unsigned char *out)
{
    unsigned int size = 0;
    return EVP_DigestInit_ex(ctx, sha256_md, NULL) && EVP_DigestUpdate(ctx, a, a_len)
           && (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len))
           && EVP_DigestFinal_ex(ctx, out, &size) && size == DIGEST_SIZE;
}

typedef struct {
    const unsigned char *document;
    Py_ssize_t document_len;
    unsigned char *leaf;
    Py_ssize_t leaf_len;
    unsigned char *body;
    unsigned char *hash;
} Slot;

/* Fill one slot's leaf, body and hash; 0 on success, 1 (SHA-256) or 2 (crypto_box) on failure. */
static int
seal_one(EVP_MD_CTX *ctx, const Slot *slot, const unsigned char *fresh, const Py_buffer *key,
         const Py_buffer *prefix, const Py_buffer *head, unsigned char *plain)
{
    static const unsigned char leaf_prefix = 0x00;
    const unsigned char *nonce = fresh + SALT_SIZE;
    size_t plain_len = SALT_SIZE + (size_t)slot->document_len;
    unsigned char *body = slot->body;

    memcpy(plain, fresh, SALT_SIZE);
    memcpy(plain + SALT_SIZE, slot->document, (size_t)slot->document_len);
    memcpy(slot->leaf, head->buf, (size_t)head->len);
    if (!sha256_pair(ctx, plain, plain_len, NULL, 0, slot->leaf + head->len)) {
        return 1;
    }
    memcpy(body, prefix->buf, (size_t)prefix->len);
    memcpy(body + prefix->len, nonce, NONCE_SIZE);
    if (crypto_box_easy_afternm(body + prefix->len + NONCE_SIZE, plain, plain_len, nonce,
                                key->buf)
        != 0) {
        return 2;
    }
    if (!sha256_pair(ctx, &leaf_prefix, 1, slot->leaf, (size_t)slot->leaf_len, slot->hash)) {
        return 1;
    }
    return 0;
}

/* New bytes objects for every record (GIL held): set each slot and copy its decision line. */
static int
allocate(PyObject *documents, PyObject *tails, PyObject *index, const Py_buffer *prefix,
         const Py_buffer *head, Slot *slots, PyObject *hashes, PyObject *leaves,
         PyObject *bodies, Py_ssize_t *longest)
{
    Py_ssize_t count = PyTuple_GET_SIZE(documents), tail_count = PyTuple_GET_SIZE(tails);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *document = PyTuple_GET_ITEM(documents, i);
        if (!PyBytes_Check(document)) {
            PyErr_Format(PyExc_TypeError, "document %zd is %s; want bytes", i,
                         Py_TYPE(document)->tp_name);
            return 0;
        }
        PyObject *item = PySequence_GetItem(index, i);
        if (item == NULL) {
            return 0;
        }
        Py_ssize_t which = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (which == -1 && PyErr_Occurred()) {
            return 0;
        }
        if (which < 0 || which >= tail_count) {
            PyErr_Format(PyExc_ValueError,
                         "record %zd names decision line %zd; the slice has %zd", i, which,
                         tail_count);
            return 0;
        }
        PyObject *tail = PyTuple_GET_ITEM(tails, which);
        Slot *slot = &slots[i];
        slot->document = (const unsigned char *)PyBytes_AS_STRING(document);
        slot->document_len = PyBytes_GET_SIZE(document);
        slot->leaf_len = head->len + DIGEST_SIZE + PyBytes_GET_SIZE(tail);
        PyObject *leaf = PyBytes_FromStringAndSize(NULL, slot->leaf_len);
        PyList_SET_ITEM(leaves, i, leaf);
        PyObject *body = PyBytes_FromStringAndSize(
            NULL, prefix->len + NONCE_SIZE + SALT_SIZE + slot->document_len
                      + crypto_box_MACBYTES);
        PyList_SET_ITEM(bodies, i, body);
        PyObject *hash = PyBytes_FromStringAndSize(NULL, DIGEST_SIZE);
        PyList_SET_ITEM(hashes, i, hash);
        if (leaf == NULL || body == NULL || hash == NULL) {
            return 0;
        }
        slot->leaf = (unsigned char *)PyBytes_AS_STRING(leaf);
        slot->body = (unsigned char *)PyBytes_AS_STRING(body);
        slot->hash = (unsigned char *)PyBytes_AS_STRING(hash);
        memcpy(slot->leaf + head->len + DIGEST_SIZE, PyBytes_AS_STRING(tail),
               (size_t)PyBytes_GET_SIZE(tail));
        if (slot->document_len > *longest) {
            *longest = slot->document_len;
        }
    }
    return 1;
}

PyDoc_STRVAR(seal_slice_doc,
"seal_slice(key, prefix, head, fresh, documents, tails, index)\n"
"--\n\n"
"Seal and hash one slice; return (leaf hashes, leaves, bodies), three lists of bytes.\n\n"
"Byte for byte what mohtasib.ledger._sealworker.seal_documents and leaves_and_hashes\n"
"return for the same arguments (record i: salt and nonce from fresh[56i : 56i+56],\n"
"leaf head + SHA-256(salt || document) + tails[index[i]]), computed with the GIL\n"
"released. ValueError for a key that is not 32 bytes, randomness that is not 56\n"
"bytes per document, or an index outside tails; TypeError for a document or a\n"
"decision line that is not bytes.");

static PyObject *
seal_slice(PyObject *module, PyObject *args)
{
    Py_buffer key = {0}, prefix = {0}, head = {0}, fresh = {0};
    PyObject *documents_in, *tails_in, *index;
    if (!PyArg_ParseTuple(args, "y*y*y*y*OOO:seal_slice", &key, &prefix, &head, &fresh,
                          &documents_in, &tails_in, &index)) {
        return NULL;
    }
    PyObject *result = NULL, *documents = NULL, *tails = NULL;
    PyObject *hashes = NULL, *leaves = NULL, *bodies = NULL;
    Slot *slots = NULL;
    unsigned char *plain = NULL;
    Py_ssize_t count, longest = 0;
    int failed = 0;

    /* Tuples hold a reference to every document and line while the GIL is released. */
    documents = PySequence_Tuple(documents_in);
    if (documents == NULL || (tails = PySequence_Tuple(tails_in)) == NULL) {
        goto done;
    }
    count = PyTuple_GET_SIZE(documents);
    if (key.len != crypto_box_BEFORENMBYTES) {
        PyErr_Format(PyExc_ValueError, "shared key is %zd bytes; want %d", key.len,
                     (int)crypto_box_BEFORENMBYTES);
        goto done;
    }
    if (fresh.len != FRESH_SIZE * count) {
        PyErr_Format(PyExc_ValueError, "got %zd random bytes for %zd documents; want %d each",
                     fresh.len, count, FRESH_SIZE);
        goto done;
    }
    Py_ssize_t index_len = PySequence_Size(index);
    if (index_len < 0) {
        goto done;
    }
    if (index_len != count) {
        PyErr_Format(PyExc_ValueError, "got %zd decision indices for %zd documents", index_len,
                     count);
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tails); i++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(tails, i))) {
            PyErr_Format(PyExc_TypeError, "decision line %zd is not bytes", i);
            goto done;
        }
    }
    hashes = PyList_New(count);
    leaves = PyList_New(count);
    bodies = PyList_New(count);
    slots = PyMem_Calloc((size_t)count + 1, sizeof(Slot));
    if (hashes == NULL || leaves == NULL || bodies == NULL || slots == NULL) {
        if (slots == NULL) {
            PyErr_NoMemory();
        }
        goto done;
    }
    if (!allocate(documents, tails, index, &prefix, &head, slots, hashes, leaves, bodies,
                  &longest)) {
        goto done;
    }
    plain = PyMem_Malloc((size_t)(SALT_SIZE + longest));
    if (plain == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        failed = 1;
    }
    for (Py_ssize_t i = 0; i < count && !failed; i++) {
        failed = seal_one(ctx, &slots[i], (const unsigned char *)fresh.buf + FRESH_SIZE * i,
                          &key, &prefix, &head, plain);
    }
    EVP_MD_CTX_free(ctx);
    sodium_memzero(plain, (size_t)(SALT_SIZE + longest));
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_SetString(PyExc_RuntimeError, failed == 2 ? "libsodium crypto_box_easy_afternm failed"
                                                        : "OpenSSL SHA-256 failed");
        goto done;
    }
    result = PyTuple_Pack(3, hashes, leaves, bodies);
done:
    PyBuffer_Release(&key);
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&head);
    PyBuffer_Release(&fresh);
    Py_XDECREF(documents);
    Py_XDECREF(tails);
    Py_XDECREF(hashes);
    Py_XDECREF(leaves);
    Py_XDECREF(bodies);
    PyMem_Free(slots);
    PyMem_Free(plain);
    return result;
}

PyDoc_STRVAR(hash_pairs_doc,
"hash_pairs(nodes)\n"
"--\n\n"
"SHA-256(0x01 || left || right) of each complete pair of nodes, in order (an unpaired\n"
"last node is left out): one level of an RFC 9162 Merkle tree from the level below\n"
"(section 2.1.1), computed with the GIL released. TypeError for a node that is not bytes.");

static PyObject *
hash_pairs(PyObject *module, PyObject *nodes_in)
{
    static const unsigned char node_prefix = 0x01;
    PyObject *nodes = PySequence_Tuple(nodes_in), *out = NULL;
    if (nodes == NULL) {
        return NULL;
    }
    Py_ssize_t pairs = PyTuple_GET_SIZE(nodes) / 2;
    unsigned char **targets = PyMem_Calloc((size_t)pairs + 1, sizeof(unsigned char *));
    out = PyList_New(pairs);
    if (targets == NULL || out == NULL) {
        if (targets == NULL) {
            PyErr_NoMemory();
        }
        goto fail;
    }
    for (Py_ssize_t i = 0; i < 2 * pairs; i++) {
        PyObject *node = PyTuple_GET_ITEM(nodes, i);
        if (!PyBytes_Check(node)) {
            PyErr_Format(PyExc_TypeError, "node %zd is %s; want bytes", i, Py_TYPE(node)->tp_name);
            goto fail;
        }
    }
    for (Py_ssize_t i = 0; i < pairs; i++) {
        PyObject *hash = PyBytes_FromStringAndSize(NULL, DIGEST_SIZE);
        if (hash == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(out, i, hash);
        targets[i] = (unsigned char *)PyBytes_AS_STRING(hash);
    }
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int size = 0;
    failed = ctx == NULL;
    for (Py_ssize_t i = 0; i < pairs && !failed; i++) {
        PyObject *left = PyTuple_GET_ITEM(nodes, 2 * i), *right = PyTuple_GET_ITEM(nodes, 2 * i + 1);
        failed = !(EVP_DigestInit_ex(ctx, sha256_md, NULL)
                   && EVP_DigestUpdate(ctx, &node_prefix, 1)
                   && EVP_DigestUpdate(ctx, PyBytes_AS_STRING(left), (size_t)PyBytes_GET_SIZE(left))
                   && EVP_DigestUpdate(ctx, PyBytes_AS_STRING(right),
                                       (size_t)PyBytes_GET_SIZE(right))
                   && EVP_DigestFinal_ex(ctx, targets[i], &size) && size == DIGEST_SIZE);
    }
    EVP_MD_CTX_free(ctx);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
        goto fail;
    }
    PyMem_Free(targets);
    Py_DECREF(nodes);
    return out;
fail:
    PyMem_Free(targets);
    Py_DECREF(nodes);
    Py_XDECREF(out);
    return NULL;
}

/* ---- canonical JSON and ISO 8601 times of access records ---- */

static PyObject *attr_target = NULL, *attr_time = NULL, *method_utcoffset = NULL;
static const char HEX_DIGITS[] = "0123456789abcdef";

static char *
digits(char *out, long value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

/* datetime.isoformat() of `when`: written here for an exact datetime with a tzinfo
 * (CPython's format, Modules/_datetimemodule.c: "%04d-%02d-%02dT%02d:%02d:%02d", ".%06d"
 * when there are microseconds, then the utcoffset as "+HH:MM", with ":SS" and ".ffffff"
 * when it has them, nothing when it is None). A subclass, a naive datetime, and a tzinfo
 * whose utcoffset() is neither None nor a timedelta strictly within a day are asked for
 * their own isoformat() (which raises as CPython does; utcoffset() is then called twice,
 * as only such a tzinfo can tell). */
static PyObject *
isoformat(PyObject *when)
{
    if (!PyDateTime_CheckExact(when)) {
        return PyObject_CallMethod(when, "isoformat", NULL);
    }
    PyObject *tzinfo = PyDateTime_DATE_GET_TZINFO(when);
    if (tzinfo == Py_None) {
        return PyObject_CallMethod(when, "isoformat", NULL);
    }
    PyObject *offset = PyObject_CallMethodOneArg(tzinfo, method_utcoffset, when);
    if (offset == NULL) {
        return NULL;
    }
    int has_offset = offset != Py_None, usable = 1;
    long long total = 0;
    if (has_offset) {
        /* days is -1 or 0 for an offset within a day (checked before multiplying: a
         * timedelta's days go to 999999999, which would overflow) */
        int days = PyDelta_Check(offset) ? PyDateTime_DELTA_GET_DAYS(offset) : 2;
        usable = days == 0 || days == -1;
        if (usable) {
            total = (long long)days * 86400LL * 1000000LL
                    + (long long)PyDateTime_DELTA_GET_SECONDS(offset) * 1000000LL
                    + PyDateTime_DELTA_GET_MICROSECONDS(offset);
            usable = total > -86400LL * 1000000LL;
        }
    }
    Py_DECREF(offset);
    if (!usable) {
        return PyObject_CallMethod(when, "isoformat", NULL);
    }
    char text[48], *at = text;
    at = digits(at, PyDateTime_GET_YEAR(when), 4);
    *at++ = '-';
    at = digits(at, PyDateTime_GET_MONTH(when), 2);
    *at++ = '-';
    at = digits(at, PyDateTime_GET_DAY(when), 2);
    *at++ = 'T';
    at = digits(at, PyDateTime_DATE_GET_HOUR(when), 2);
    *at++ = ':';
    at = digits(at, PyDateTime_DATE_GET_MINUTE(when), 2);
    *at++ = ':';
    at = digits(at, PyDateTime_DATE_GET_SECOND(when), 2);
    if (PyDateTime_DATE_GET_MICROSECOND(when)) {
        *at++ = '.';
        at = digits(at, PyDateTime_DATE_GET_MICROSECOND(when), 6);
    }
    if (!has_offset) {
        return PyUnicode_FromStringAndSize(text, at - text);
    }
    *at++ = total < 0 ? '-' : '+';
    if (total < 0) {
        total = -total;
    }
    long micro = (long)(total % 1000000), seconds = (long)(total / 1000000);
    at = digits(at, seconds / 3600, 2);
    *at++ = ':';
    at = digits(at, seconds % 3600 / 60, 2);
    if (seconds % 60 || micro) {
        *at++ = ':';
        at = digits(at, seconds % 60, 2);
    }
    if (micro) {
        *at++ = '.';
        at = digits(at, micro, 6);
    }
    return PyUnicode_FromStringAndSize(text, at - text);
}

/* Length of `text` as a JSON string (quotes included), escaped as json.encoder's
 * encode_basestring does with ensure_ascii off (Modules/_json.c, escape_unicode): the quote,
 * backslash, \b \f \n \r \t as two characters, other code points below 0x20 as \u00XX,
 * everything else as it is. Every byte to escape is ASCII, so UTF-8 is scanned byte by byte. */
static Py_ssize_t
json_size(const char *text, Py_ssize_t size)
{
    Py_ssize_t out = 2;
    for (Py_ssize_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
            out += 2;
        }
        else {
            out += c < 0x20 ? 6 : 1;
        }
    }
    return out;
}

static char *
json_string(char *out, const char *text, Py_ssize_t size)
{
    *out++ = '"';
    for (Py_ssize_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)text[i];
        char short_form = 0;
        switch (c) {
        case '"': short_form = '"'; break;
        case '\\': short_form = '\\'; break;
        case '\b': short_form = 'b'; break;
        case '\f': short_form = 'f'; break;
        case '\n': short_form = 'n'; break;
        case '\r': short_form = 'r'; break;
        case '\t': short_form = 't'; break;
        default: break;
        }
        if (short_form) {
            *out++ = '\\';
            *out++ = short_form;
        }
        else if (c < 0x20) {
            memcpy(out, "\\u00", 4);
            out[4] = HEX_DIGITS[c >> 4];
            out[5] = HEX_DIGITS[c & 0xf];
            out += 6;
        }
        else {
            *out++ = (char)c;
        }
    }
    *out++ = '"';
    return out;
}

/* The UTF-8 of str `value`, or NULL with TypeError naming `what`. */
static const char *
utf8_of(PyObject *value, const char *what, Py_ssize_t i, Py_ssize_t *size)
{
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s of record %zd is %s; want str", what, i,
                     Py_TYPE(value)->tp_name);
        return NULL;
    }
    return PyUnicode_AsUTF8AndSize(value, size);
}

/* Fill stamps[i] and documents[i] for one record; 0 on error (exception set). */
static int
document(PyObject *prefix, PyObject *record, Py_ssize_t i, const char *between,
         Py_ssize_t between_len, const char *suffix, Py_ssize_t suffix_len, PyObject *stamps,
         PyObject *documents)
{
    PyObject *target = PyObject_GetAttr(record, attr_target), *when = NULL, *stamp = NULL;
    int ok = 0;
    if (target == NULL || (when = PyObject_GetAttr(record, attr_time)) == NULL
        || (stamp = isoformat(when)) == NULL) {
        goto done;
    }
    Py_ssize_t prefix_len, target_len, stamp_len;
    const char *prefix_text = utf8_of(prefix, "the JSON prefix", i, &prefix_len);
    const char *target_text = prefix_text ? utf8_of(target, "target", i, &target_len) : NULL;
    const char *stamp_text = target_text ? utf8_of(stamp, "isoformat()", i, &stamp_len) : NULL;
    if (stamp_text == NULL) {
        goto done;
    }
    Py_ssize_t size = prefix_len + json_size(target_text, target_len) + between_len
                      + json_size(stamp_text, stamp_len) + suffix_len;
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, size);
    if (bytes == NULL) {
        goto done;
    }
    char *out = PyBytes_AS_STRING(bytes);
    memcpy(out, prefix_text, (size_t)prefix_len);
    out = json_string(out + prefix_len, target_text, target_len);
    memcpy(out, between, (size_t)between_len);
    out = json_string(out + between_len, stamp_text, stamp_len);
    memcpy(out, suffix, (size_t)suffix_len);
    PyList_SET_ITEM(documents, i, bytes);
    PyList_SET_ITEM(stamps, i, stamp);
    stamp = NULL;
    ok = 1;
done:
    Py_XDECREF(target);
    Py_XDECREF(when);
    Py_XDECREF(stamp);
    return ok;
}

PyDoc_STRVAR(documents_doc,
"documents(prefixes, records, between, suffix)\n"
"--\n\n"
"Each record's time.isoformat() and canonical JSON; return (times, documents).\n\n"
"Document i is the UTF-8 of prefixes[i] + json(records[i].target) + between +\n"
"json(records[i].time.isoformat()) + suffix, where json() is json.encoder's\n"
"encode_basestring (ensure_ascii off): byte for byte AccessRecord.canonical_json when\n"
"prefixes[i] is the record's text up to the target's value. TypeError when a prefix,\n"
"target or isoformat() is not str; UnicodeEncodeError for a lone surrogate, as\n"
"str.encode raises.");

static PyObject *
documents(PyObject *module, PyObject *args)
{
    PyObject *prefixes_in, *records_in;
    const char *between, *suffix;
    Py_ssize_t between_len, suffix_len;
    if (!PyArg_ParseTuple(args, "OOs#s#:documents", &prefixes_in, &records_in, &between,
                          &between_len, &suffix, &suffix_len)) {
        return NULL;
    }
    PyObject *prefixes = PySequence_Tuple(prefixes_in), *records = NULL, *result = NULL;
    PyObject *stamps = NULL, *docs = NULL;
    if (prefixes == NULL || (records = PySequence_Tuple(records_in)) == NULL) {
        goto done;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(records);
    if (PyTuple_GET_SIZE(prefixes) != count) {
        PyErr_Format(PyExc_ValueError, "got %zd prefixes for %zd records",
                     PyTuple_GET_SIZE(prefixes), count);
        goto done;
    }
    stamps = PyList_New(count);
    docs = PyList_New(count);
    if (stamps == NULL || docs == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!document(PyTuple_GET_ITEM(prefixes, i), PyTuple_GET_ITEM(records, i), i, between,
                      between_len, suffix, suffix_len, stamps, docs)) {
            goto done;
        }
    }
    result = PyTuple_Pack(2, stamps, docs);
done:
    Py_XDECREF(prefixes);
    Py_XDECREF(records);
    Py_XDECREF(stamps);
    Py_XDECREF(docs);
    return result;
}

static PyMethodDef methods[] = {
    {"documents", documents, METH_VARARGS, documents_doc},
    {"seal_slice", seal_slice, METH_VARARGS, seal_slice_doc},
    {"hash_pairs", hash_pairs, METH_O, hash_pairs_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_fast",
    "The ledger's sealing loop in C (see seal_slice); optional, built by setup.py.",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__fast(void)
{
    if (sodium_init() < 0) {
        PyErr_SetString(PyExc_ImportError, "libsodium could not be initialised");
        return NULL;
    }
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
    sha256_md = EVP_sha256();
#endif
    if (sha256_md == NULL) {
        PyErr_SetString(PyExc_ImportError, "OpenSSL has no SHA-256");
        return NULL;
    }
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    attr_target = PyUnicode_InternFromString("target");
    attr_time = PyUnicode_InternFromString("time");
    method_utcoffset = PyUnicode_InternFromString("utcoffset");
    if (attr_target == NULL || attr_time == NULL || method_utcoffset == NULL) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module != NULL
        && (PyModule_AddIntConstant(module, "API_VERSION", API_VERSION) < 0
            || PyModule_AddStringConstant(module, "SODIUM_VERSION", sodium_version_string()) < 0
            || PyModule_AddStringConstant(module, "OPENSSL_VERSION",
                                          OpenSSL_version(OPENSSL_VERSION)) < 0)) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
