/* xml.h -- process-wide libxml2 set-up.
 *
 * xml_init() must run once before any XML file is read: it installs the
 * external-entity loader that refuses everything (SPEC §8), silences
 * libxml2's own printing (errors are reported as findings) and sets up
 * libxml2's built-in schema types, which judge xsi:type and xsi:nil.
 * Returns 0 or -1 (message printed).  xml_release() frees what xml_init()
 * made.
 */
#ifndef CSPRECON_XML_H
#define CSPRECON_XML_H

int xml_init(void);
void xml_release(void);

#endif
