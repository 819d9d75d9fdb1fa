/* libFuzzer target: the broker wire protocol decoders (protocol/protocol.c) on arbitrary bytes. A
 * request or reply that decodes must encode back to the same bytes. */
#include "protocol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t again[IFPIN_REPLY_MAX > IFPIN_REQUEST_MAX ? IFPIN_REPLY_MAX : IFPIN_REQUEST_MAX];

    struct ifpin_request request;
    if (ifpin_decode_request(data, size, &request) == IFPIN_STATUS_OK) {
        size_t length = ifpin_encode_request(&request, again, sizeof again);
        if (length != size || memcmp(again, data, size) != 0)
            abort();
    }

    struct ifpin_reply reply;
    /* A reply's message may hold a NUL (the client shows the text up to it), so only a message
     * without one encodes back to the same bytes. */
    if (ifpin_decode_reply(data, size, &reply) == IFPIN_STATUS_OK && !memchr(data + 16, '\0', size - 16)) {
        size_t length = ifpin_encode_reply(&reply, again, sizeof again);
        if (length != size || memcmp(again, data, size) != 0)
            abort();
    }
    return 0;
}
