// "Does this column look personal?" — the name-and-type heuristic behind
// strict mode: a column that looks personal and has no mask.yaml rule stops
// the sync. It errs towards asking (a false alarm costs one `keep` line; a
// miss leaks data) but stays quiet on the obvious non-personal cases.
//
// The name is cut into lower-case words at '_', any other non-alphanumeric
// byte and camelCase humps ("billingAddress" -> billing, address;
// "IPAddress" -> ip, address); digits are dropped ("address_line_2" ->
// address, line). Then, first match wins:
//
//   network address  any column of type inet, cidr, macaddr, macaddr8;
//                    words mac_address / macaddr
//   (not personal)   boolean types; names starting with is/has/num; names
//                    whose last word is metadata about the value: type,
//                    kind, status, count, verified, confirmed, enabled,
//                    disabled, flag, format, length, domain, provider, valid,
//                    visibility, visible, at, on, ts, sent, bounced, consent,
//                    template, brand, locale, language
//   (not personal)   keys: last word "id"/"uuid"/"guid" (or one word ending in
//                    "id", like "userid") on an integer or uuid column, unless
//                    the words before it are national, citizen, social, ssn,
//                    taxpayer, voter or passport ("national_id bigint" is
//                    personal; "tax_id integer" is taken for a key and
//                    "tax_id text" is personal)
//   birth date       birth, dob, birthday, birthdate, born, birthplace
//   ip address       ip, ipaddr, ipaddress, ipv (ipv4/ipv6), remote_addr
//   email            email, emails, e_mail, mail_address, emailaddress
//   card number      credit_card, creditcard, card, cardnumber, cc_number,
//                    ccnum, pan, cvv, cvc
//   iban             iban
//   bank account     account_number, accountnumber, acct_no, bank_account
//   national id      ssn, social_security, national_id, nationalid, nin,
//                    national_insurance, sin, citizen_id, id_number, id_card
//   tax id           tax_id, taxid, tax_number, taxpayer_id, tin, vat_id,
//                    vat_number, vat_no
//   passport         passport
//   driver license   driver(s)/driving + license/licence, driverlicense
//   phone            phone, phones, telephone, tel, mobile, cellphone, fax,
//                    msisdn, phonenumber
//   postcode         zip, zipcode, postcode, post_code, postal_code, postalcode
//   city             city, town
//   address          address, addr, street, streetname, housenumber,
//                    house_number
//   username         username, user_name, login, screen_name, screenname
//   name             first/last/given/family/middle/maiden/full name,
//                    firstname, lastname, surname, forename, givenname,
//                    familyname, fullname, middlename, maidenname, nickname,
//                    displayname, and "name" alone or as a name's last word
//                    ("contact_name", "display_name") — except after a word
//                    naming a thing, not a person: table, file, product,
//                    company, host, schema, column, database, domain, server,
//                    service, app, brand, category, event, field, group,
//                    index, item, key, label, project, role, tag, team, type,
//                    plan, queue, topic, channel, bucket, branch, repo and
//                    more (see kThingWords in pii.cc)
//
// Types: dates and times match only "birth date"; numbers match only phone,
// postcode, national id, tax id, card number, ip address, birth date and bank
// account; text, json and unknown types (enums, domains) match everything.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spur::mask {

// The category of personal data `column_name` of type `base_type` (the type
// name without modifiers, e.g. "text", "int4", "character varying",
// "timestamptz"; case, "(n)" and "[]" are ignored) looks like, such as
// "email" or "national id"; nullopt when it does not look personal. Pure.
std::optional<std::string> PersonalCategory(std::string_view column_name,
                                            std::string_view base_type);

// The words of a column name as PersonalCategory sees them (exposed for tests
// and messages): "billingAddressLine2" -> {"billing", "address", "line"}.
std::vector<std::string> NameWords(std::string_view column_name);

}  // namespace spur::mask
