# Turn the PEM file IN into a C file OUT holding it as a const byte array
# with its terminating NUL (mbedTLS parses PEM as a string).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    " bytes "${bytes}")
file(WRITE ${OUT}
"/* Generated from ${IN} by embed_ca.cmake: do not edit, never commit. */\n"
"#include \"net_ca.h\"\n\n"
"const unsigned char bl_net_ca_pem[] = {\n    ${bytes}0x00\n};\n"
"const unsigned int bl_net_ca_pem_len = (unsigned int)sizeof bl_net_ca_pem;\n")
