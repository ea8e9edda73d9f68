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
 * Built by setup.py as an optional extension (a C compiler, libsodium and OpenSSL
 * headers); without it the Python loop seals, in a helper process where it can.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

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
    tails = PySequence_Tuple(tails_in);
    if (documents == NULL || tails == NULL) {
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

static PyMethodDef methods[] = {
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
    PyObject *module = PyModule_Create(&module_def);
    if (module != NULL
        && (PyModule_AddStringConstant(module, "SODIUM_VERSION", sodium_version_string()) < 0
            || PyModule_AddStringConstant(module, "OPENSSL_VERSION",
                                          OpenSSL_version(OPENSSL_VERSION)) < 0)) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
