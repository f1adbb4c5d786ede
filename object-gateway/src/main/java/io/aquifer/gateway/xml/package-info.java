/**
 * S3 XML: {@link io.aquifer.gateway.xml.XmlWriter} builds response documents, {@link
 * io.aquifer.gateway.xml.XmlRequests} parses request bodies with a hardened StAX reader (no DTDs,
 * no entities, bounded size) into records, answering bad input with {@code MalformedXML}, {@code
 * InvalidTag} or {@code InvalidArgument}.
 */
package io.aquifer.gateway.xml;
