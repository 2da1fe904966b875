/** One alert message rendered for one person, in every form the channels need. */
export interface RenderedMessage {
  smsText: string
  emailSubject: string
  emailText: string
  emailHtml: string
}
