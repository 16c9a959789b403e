// Onboards ONE audited registry for push-time audits: an Event Grid system topic on the registry
// and a subscription for ImagePushed / ImageDeleted that delivers to the auditor's image-pushed
// queue with the auditor's Event Grid delivery identity (identity-based delivery, no keys or SAS),
// retries, and dead-letters to the auditor's blob container.
//
// Deploy into the registry's resource group (scope: resourceGroup(subscriptionId, rg)); the topic
// lives next to the registry, in the registry's region. The delivery identity already holds
// Storage Queue Data Message Sender on the queue and Storage Blob Data Contributor on the
// dead-letter container (infra/modules/rbac.bicep), so this module assigns no roles. The deployer
// needs Microsoft.ManagedIdentity/userAssignedIdentities/assign/action on that identity
// (Managed Identity Operator) to attach it to the topic.
//
// A registry can have only one system topic: if it already has one, pass its name in
// systemTopicName; the template then adds the subscription to it (and sets its identity).

@description('Name of the audited container registry (in the resource group this module is deployed to).')
param registryName string

@description('Region of the registry: a system topic lives in the region of its source. Passed in because the location of an existing resource is known only at deployment time (Bicep BCP120).')
param location string

@description('System topic name; defaults to <registry>-auditor. Use the existing topic name if the registry has one.')
param systemTopicName string = '${registryName}-auditor'

@description('Event subscription name.')
param subscriptionName string = 'acr-auditor'

@description('Resource id of the auditor storage account (queue and dead-letter destination).')
param storageAccountId string

@description('Queue that receives the events (QUEUES.imagePushed in shared/names.ts).')
param queueName string

@description('Blob container that receives dead-lettered events.')
param deadLetterContainerName string

@description('Resource id of the auditor Event Grid delivery identity (user-assigned).')
param deliveryIdentityId string

@description('Delivery attempts before an event is dead-lettered (1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes an undelivered event is retried before it is dead-lettered (1-1440).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@description('Time to live of a queue message in seconds (-1: never expires).')
param queueMessageTimeToLiveInSeconds int = 604800

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${deliveryIdentityId}': {}
    }
  }
  properties: {
    source: registry.id
    topicType: 'Microsoft.ContainerRegistry.Registries'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: subscriptionName
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.ContainerRegistry.ImagePushed'
        'Microsoft.ContainerRegistry.ImageDeleted'
      ]
    }
    deliveryWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: deliveryIdentityId
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storageAccountId
          queueName: queueName
          queueMessageTimeToLiveInSeconds: queueMessageTimeToLiveInSeconds
        }
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: deliveryIdentityId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output systemTopicId string = topic.id
output eventSubscriptionId string = subscription.id
