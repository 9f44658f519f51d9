namespace Chat.UnitTests.TestData;

using Chat.Core.Messages;

public static class MessageBuilder
{
    public static MessageRecord Text(string chatId, long seq, string senderId, string text = "hello", string? clientMessageId = null) => new()
    {
        ChatId = chatId,
        Seq = seq,
        MessageId = "m" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ClientMessageId = clientMessageId ?? "c" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SenderId = senderId,
        Type = MessageTypes.Text,
        Text = text,
        SentAt = TestClock.Start.AddMinutes(seq),
    };

    public static SendMessageRequest TextRequest(string text = "hello", string clientMessageId = "client-1") =>
        new(clientMessageId, MessageTypes.Text, text, null, null);

    public static ReceiptState Receipt(string userId, long deliveredSeq, long readSeq) =>
        new(userId, deliveredSeq, readSeq, TestClock.Start);
}
