/* SHA-256 through OpenSSL (see files.h). */
#include <stdio.h>

#include <openssl/evp.h>

#include "frontcast/files.h"

void fc_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    hex[64] = '\0';
}
